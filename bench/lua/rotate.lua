-- Form POSTs that cycle through a pool of tokens: BENCH_PREFIX .. token (one per line in
-- BENCH_TOKENS). Each thread starts at its own offset, so the pool is spread over the load.
local auth = os.getenv("BENCH_AUTHORIZATION")
local prefix = os.getenv("BENCH_PREFIX")
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = auth,
}
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if line ~= "" then table.insert(tokens, line) end
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
end

local i = nil
function request()
  i = ((i or offset or 0) % #tokens) + 1
  return wrk.format("POST", nil, headers, prefix .. tokens[i])
end
