-- Minting tokens for a later load: a fixed form POST (BENCH_BODY, BENCH_AUTHORIZATION) whose
-- answers' access tokens are collected and written, one a line, to BENCH_OUT by done().
-- Prints "bench: minted=N refused=M".
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers = common.form_headers()

local threads = {}
tokens, minted, refused = {}, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  local token = status == 200 and string.match(body, '"access_token"%s*:%s*"([^"]+)"')
  if token then
    minted = minted + 1
    tokens[minted] = token
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  for _, thread in ipairs(threads) do
    for _, token in ipairs(thread:get("tokens") or {}) do
      out:write(token, "\n")
    end
  end
  out:close()
  common.report(threads, { "minted", "refused" })
end
