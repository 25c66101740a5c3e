-- What the load scripts share. Each script finds this file through BENCH_LUA_DIR:
--   package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
--   local common = require("common")
local common = {}

-- Lines of the file BENCH_TOKENS, blank ones skipped.
function common.pool()
  local pool = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if line ~= "" then table.insert(pool, line) end
  end
  return pool
end

-- For setup(): keep the thread, and give it its number (index) and the thread count (total,
-- from BENCH_THREADS: in a thread, the setup table is not visible).
function common.enlist(threads, thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
  thread:set("total", tonumber(os.getenv("BENCH_THREADS")))
end

-- For init(): thread index's share of the pool, the entries index, index + total, ...
function common.share(pool, index, total)
  local mine = {}
  for k = index, #pool, total do table.insert(mine, pool[k]) end
  return mine
end

-- Headers of a form POST with HTTP Basic client authentication (BENCH_AUTHORIZATION).
function common.form_headers()
  return {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = os.getenv("BENCH_AUTHORIZATION"),
  }
end

-- Sums the named counters (globals of each thread) and prints "bench: name=N ...", the line
-- bench/loadgen.py reads. ``extra`` is appended as it is.
function common.report(threads, names, extra)
  local parts = {}
  for _, name in ipairs(names) do
    local sum = 0
    for _, thread in ipairs(threads) do
      sum = sum + (thread:get(name) or 0)
    end
    table.insert(parts, string.format("%s=%d", name, sum))
  end
  io.write("bench: " .. table.concat(parts, " ") .. (extra or "") .. "\n")
end

-- Percent-encoding for form values.
function common.escape(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

return common
