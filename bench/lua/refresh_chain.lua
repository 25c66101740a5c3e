-- Refresh-token rotation as a client does it: each response's new refresh token is the one
-- the next request presents. Run with as many threads as connections, so a thread is one
-- connection. Thread k owns the pool tokens k, k+T, k+2T, ... (BENCH_TOKENS, one a line); it
-- tries them in turn until one is accepted, then follows that chain. (A server that keeps
-- tokens per process, like the peer's in-memory adapter in a cluster, only accepts a chain on
-- the connection of the worker that issued it; trying a few tokens finds one.)
-- Prints "bench: rotations=N refused=M stuck=S" from done().
local auth = os.getenv("BENCH_AUTHORIZATION")
local extra = os.getenv("BENCH_EXTRA") or ""
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = auth,
}
local pool = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if line ~= "" then table.insert(pool, line) end
end
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

local mine, next_candidate, current = nil, 1, nil
rotations, refused, stuck = 0, 0, 0

function init(args)
  mine = {}
  local total = #threads > 0 and #threads or tonumber(os.getenv("BENCH_THREADS"))
  for k = index, #pool, total do table.insert(mine, pool[k]) end
end

local function escape(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  if current == nil then
    current = mine[next_candidate]
    next_candidate = next_candidate + 1
    if current == nil then
      stuck = 1
      current = "exhausted"
    end
  end
  local body = "grant_type=refresh_token&refresh_token=" .. escape(current) .. extra
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  local token = status == 200 and string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    rotations = rotations + 1
    current = token
  else
    refused = refused + 1
    if stuck == 0 then current = nil end
  end
end

function done(summary, latency, requests)
  local r, f, s = 0, 0, 0
  for _, thread in ipairs(threads) do
    r = r + (thread:get("rotations") or 0)
    f = f + (thread:get("refused") or 0)
    s = s + (thread:get("stuck") or 0)
  end
  io.write(string.format("bench: rotations=%d refused=%d stuck=%d\n", r, f, s))
end
