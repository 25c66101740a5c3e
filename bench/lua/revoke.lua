-- Revocation of a pool of tokens (BENCH_TOKENS, one a line): form POSTs of
-- BENCH_PREFIX .. token with HTTP Basic client authentication (BENCH_AUTHORIZATION).
-- Thread k of BENCH_THREADS presents the tokens k, k+T, k+2T, ... once each, in order; past
-- the end of its share it starts again, and those presentations (of tokens it already
-- revoked) are counted as repeats when sent. Prints "bench: first=N repeats=M" from done().
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local prefix = os.getenv("BENCH_PREFIX")
local headers = common.form_headers()
local pool = common.pool()
local threads = {}

function setup(thread)
  common.enlist(threads, thread)
end

local mine, i, wrapped = nil, 0, false
first, repeats = 0, 0

function init(args)
  mine = common.share(pool, index, total)
end

function request()
  i = i + 1
  if i > #mine then
    i, wrapped = 1, true
  end
  if wrapped then repeats = repeats + 1 else first = first + 1 end
  return wrk.format("POST", nil, headers, prefix .. mine[i])
end

function done(summary, latency, requests)
  common.report(threads, { "first", "repeats" })
end
