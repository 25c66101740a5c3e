-- A fixed form POST with HTTP Basic client authentication.
-- Environment: BENCH_BODY, BENCH_AUTHORIZATION, and optionally BENCH_EXPECT: a string every
-- response body should contain (counted, then printed by done() as "bench: expected=N seen=M").
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers = common.form_headers()

local expect = os.getenv("BENCH_EXPECT")
local threads = {}
expected, seen = 0, 0

function setup(thread)
  table.insert(threads, thread)
end

if expect and expect ~= "" then
  function response(status, headers, body)
    seen = seen + 1
    if string.find(body, expect, 1, true) then
      expected = expected + 1
    end
  end

  function done(summary, latency, requests)
    common.report(threads, { "expected", "seen" })
  end
end
