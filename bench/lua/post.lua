-- A fixed form POST with HTTP Basic client authentication.
-- Environment: BENCH_BODY, BENCH_AUTHORIZATION, and optionally BENCH_EXPECT: a string every
-- response body should contain (counted, then printed by done() as "bench: expected=N of M").
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")

local expect = os.getenv("BENCH_EXPECT")
local threads = {}
matched, seen = 0, 0

function setup(thread)
  table.insert(threads, thread)
end

if expect and expect ~= "" then
  function response(status, headers, body)
    seen = seen + 1
    if string.find(body, expect, 1, true) then
      matched = matched + 1
    end
  end
end

function done(summary, latency, requests)
  local m, s = 0, 0
  for _, thread in ipairs(threads) do
    m = m + (thread:get("matched") or 0)
    s = s + (thread:get("seen") or 0)
  end
  if s > 0 then
    io.write(string.format("bench: expected=%d of %d\n", m, s))
  end
end
