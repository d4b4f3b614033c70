-- wrk script for issue 16 item 5: health-app redemptions through the gateway, each for a
-- new app member (so each one is a real insert), with the app's API client credentials
-- ($BENCH_AUTH) and today's code ($BENCH_TOKEN).
dofile(os.getenv("BENCH_LUA_DIR") .. "/percentiles.lua")
local auth, token = os.getenv("BENCH_AUTH"), os.getenv("BENCH_TOKEN")
-- A prefix of this run (wrk does not seed math.random): members of an earlier run on the
-- same day would only get their first answer again, which is cheaper than a redemption.
local prefix = string.format("b%d", os.time())
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local at = 0
request = function()
  at = at + 1
  local body = string.format('{"token":"%s","app_member_id":"%s-%d-%d"}', token, prefix, tid or 0, at)
  return wrk.format("POST", "/api/v1/integrations/health/redemptions",
    {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end
