-- wrk script for PERF-4: every request carries the next session cookie of the file in
-- $BENCH_COOKIES (one "name=value" a line) and alternates a personal route (/api/v1/me)
-- with public reads, so thousands of sessions are in use at once.
dofile(os.getenv("BENCH_LUA_DIR") .. "/percentiles.lua")
local cookies = {}
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end
local paths = {"/api/v1/me", "/api/v1/grants", "/api/v1/me", "/api/v1/notices?site=supernet"}
local at = 0
request = function()
  at = at + 1
  return wrk.format("GET", paths[at % #paths + 1], {["Cookie"] = cookies[at % #cookies + 1]})
end
