-- wrk script: each request asks the next path of the file in $BENCH_PATHS (one path per
-- line, percent-encoded), each thread starting at its own place, so a list longer than
-- the requests of a run asks every keyword once and no cache can answer it. Reports
-- like percentiles.lua.
dofile(os.getenv("BENCH_LUA_DIR") .. "/percentiles.lua")
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local at = 0
setup = function(thread)
  thread:set("first", math.random(#paths))
end
init = function()
  at = first or 1
end
request = function()
  at = at % #paths + 1
  return wrk.format("GET", paths[at])
end
