-- Password sign-in through the hosted form, as a browser without JavaScript does it, then the
-- client redeems the code. Run with as many threads as connections (one browser each).
--   1. GET  BENCH_AUTHORIZE (an authorization request with prompt=login)  -> 303 to the page
--   2. GET  the sign-in page                          -> 200, a form with a CSRF token
--   3. POST identifier, password and the CSRF token   -> 303 to the redirect URI with a code
--   4. POST the code to BENCH_TOKEN_PATH (HTTP Basic, PKCE BENCH_VERIFIER) -> 200 with tokens
-- A login is counted when step 4 answers with an access token; any other answer counts a
-- failure and the browser starts again at step 1. The browser keeps the cookie Bastion gives
-- it (bastion_browser) but not the session cookie, so every login asks for the password.
-- Prints "bench: logins=N failures=M duration_us=D" from done().
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")

local authorize = os.getenv("BENCH_AUTHORIZE")
local token_path = os.getenv("BENCH_TOKEN_PATH")
local basic = os.getenv("BENCH_AUTHORIZATION")
local login_form = os.getenv("BENCH_LOGIN_FORM") -- identifier=...&password=... (encoded)
local redeem_form = os.getenv("BENCH_REDEEM_FORM") -- grant_type, redirect_uri, code_verifier
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

logins, failures = 0, 0
local step, page, csrf, code, cookie = 1, nil, nil, nil, nil

local function header(headers, name)
  return headers[name] or headers[string.lower(name)]
end

local function browser(extra)
  local h = extra or {}
  if cookie then h["Cookie"] = cookie end
  return h
end

function request()
  if step == 1 then
    return wrk.format("GET", authorize, browser())
  elseif step == 2 then
    return wrk.format("GET", page, browser())
  elseif step == 3 then
    local h = browser({ ["Content-Type"] = "application/x-www-form-urlencoded" })
    return wrk.format("POST", page, h, "csrf=" .. common.escape(csrf) .. "&" .. login_form)
  end
  local h = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = basic }
  -- The code arrives form-encoded in the Location query, as the body wants it.
  return wrk.format("POST", token_path, h, redeem_form .. "&code=" .. code)
end

local function fail()
  failures = failures + 1
  step = 1
end

function response(status, headers, body)
  local set = header(headers, "Set-Cookie")
  if set then
    local value = string.match(set, "^(bastion_browser=[^;]+)")
    if value then cookie = value end
  end
  local location = header(headers, "Location")
  if step == 1 then
    page = status == 303 and location and string.match(location, "^(/login/[%w_%-]+)$")
    if page then step = 2 else fail() end
  elseif step == 2 then
    csrf = status == 200 and string.match(body, 'name="csrf" value="([^"]+)"')
    if csrf then step = 3 else fail() end
  elseif step == 3 then
    code = status == 303 and location and string.match(location, "[?&]code=([^&]+)")
    if code then step = 4 else fail() end
  else
    if status == 200 and string.find(body, '"access_token"', 1, true) then
      logins = logins + 1
      step = 1
    else
      fail()
    end
  end
end

function done(summary, latency, requests)
  common.report(threads, { "logins", "failures" }, string.format(" duration_us=%d", summary.duration))
end
