-- Refresh-token rotation as a client does it: each response's new refresh token is the one
-- the next request presents. Run with as many threads as connections, so a thread is one
-- connection. Thread k owns the pool tokens k, k+T, k+2T, ... (BENCH_TOKENS, one a line); it
-- tries them in turn until one is accepted, then follows that chain. (A server that keeps
-- tokens per process, like the peer's in-memory adapter in a cluster, only accepts a chain on
-- the connection of the worker that issued it; trying a few tokens finds one.)
-- A refusal of a token the chain itself produced is a broken chain (counted as "broken"); a
-- refusal of a pool token only moves on to the next one.
-- Prints "bench: rotations=N refused=M stuck=S broken=B" from done().
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local headers = common.form_headers()
local pool = common.pool()
local threads = {}

function setup(thread)
  common.enlist(threads, thread)
end

local mine, next_candidate, current, chained = nil, 1, nil, false
rotations, refused, stuck, broken = 0, 0, 0, 0

function init(args)
  mine = common.share(pool, index, total)
end

function request()
  if current == nil then
    current, chained = mine[next_candidate], false
    next_candidate = next_candidate + 1
    if current == nil then
      stuck = 1
      current = "exhausted"
    end
  end
  local body = "grant_type=refresh_token&refresh_token=" .. common.escape(current)
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  local token = status == 200 and string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    rotations = rotations + 1
    current, chained = token, true
  else
    refused = refused + 1
    if chained then broken = broken + 1 end
    if stuck == 0 then current = nil end
  end
end

function done(summary, latency, requests)
  common.report(threads, { "rotations", "refused", "stuck", "broken" })
end
