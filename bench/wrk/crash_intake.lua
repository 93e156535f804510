-- Case intake for bench/crash_test.py: POST /api/v1/cases on every connection, and the id of every case the
-- server acknowledged (201) kept; at the end (wrk stopped with SIGINT after the server was killed) the ids are
-- appended to the file CRASH_IDS names, one a line.
--   CRASH_TOKEN   the API token (Bearer)
--   CRASH_BODIES  a file of JSON bodies, one a line, drawn at random
--   CRASH_IDS     the file the acknowledged ids go to
local threads = {}
local bodies, headers
ids = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("CRASH_BODIES")) do
    if line ~= "" then bodies[#bodies + 1] = line end
  end
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("CRASH_TOKEN") }
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  return wrk.format("POST", "/api/v1/cases", headers, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id"%s*:%s*"([%x%-]+)"')
    if id then ids[#ids + 1] = id end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("CRASH_IDS"), "a"))
  for _, thread in ipairs(threads) do
    for _, id in ipairs(thread:get("ids")) do out:write(id, "\n") end
  end
  out:close()
end
