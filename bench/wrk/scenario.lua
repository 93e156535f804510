-- One benchmark scenario for wrk, set by the environment (bench/harness.py sets it):
--   BENCH_METHOD   GET or POST
--   BENCH_PATHS    a file of request paths, one per line, drawn at random
--   BENCH_BODIES   (POST) a file of JSON bodies, one per line, drawn at random
--   BENCH_AUTH     the Authorization header's value
--   BENCH_COOKIE   a Cookie header's value (a signed-in page)
--   BENCH_TYPE     the body's Content-Type (default application/json)
-- At the end it prints one line: "RESULT {json}" with requests, seconds, errors and latency percentiles (ms).

local function lines(name)
  local list = {}
  if name == nil or name == "" then return list end
  for line in io.lines(name) do
    if line ~= "" then list[#list + 1] = line end
  end
  return list
end

local method, paths, bodies, auth, cookie, kind

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  paths = lines(os.getenv("BENCH_PATHS"))
  bodies = lines(os.getenv("BENCH_BODIES"))
  auth = os.getenv("BENCH_AUTH")
  cookie = os.getenv("BENCH_COOKIE")
  kind = os.getenv("BENCH_TYPE") or "application/json"
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local headers = {}
  if auth and auth ~= "" then headers["Authorization"] = auth end
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  local body = nil
  if #bodies > 0 then
    body = bodies[math.random(#bodies)]
    headers["Content-Type"] = kind
  end
  return wrk.format(method, paths[math.random(#paths)], headers, body)
end

-- wrk counts statuses ≥ 400 as errors; the harness checks one request of each scenario for a 2xx answer first
-- (a redirect to the login page would otherwise pass unnoticed). No response() hook: it would slow wrk down.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, ' ..
    '"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
