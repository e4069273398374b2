-- wrk script shared by every HTTP throughput point. The bench passes its parameters in the
-- environment (wrk scripts cannot take typed options):
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY   request; {svc}, {id}, {i} (1-based pool index), {n},
--                                          {b64key} expand per request
--   BENCH_HEADERS                          "Name: value" lines separated by "|"
--   BENCH_POOL_SERVICES, BENCH_POOL_PER    pool the path cycles over (svc = i % services)
--   BENCH_PIPELINE_*                       optional second request sent pipelined after the first
--   BENCH_OFFSET                           start of {n} (unique ids across runs)
-- At the end it prints one line "BENCH_JSON {...}" that the bench parses.
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local method2 = os.getenv("BENCH_PIPELINE_METHOD")
local path2 = os.getenv("BENCH_PIPELINE_PATH")
local body2 = os.getenv("BENCH_PIPELINE_BODY")
local services = tonumber(os.getenv("BENCH_POOL_SERVICES") or "1")
local per = tonumber(os.getenv("BENCH_POOL_PER") or "1")
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local pool = services * per

for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local name, value = string.match(line, "^%s*([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

local counter = 0
function setup(thread) end
function init(args) counter = 0 end

local function expand(template, i, n)
  if not template then return nil end
  local svc = "bench-" .. (i % services)
  local id = "i-" .. math.floor(i / services)
  local out = template:gsub("{svc}", svc):gsub("{id}", id):gsub("{n}", tostring(n)):gsub("{i}", tostring(i + 1))
  if out:find("{b64key}", 1, true) then
    out = out:gsub("{b64key}", b64("bench/" .. svc .. "/" .. n))
  end
  return out
end

function request()
  counter = counter + 1
  local i = counter % pool
  local n = offset + counter
  local first = wrk.format(method, expand(path, i, n), nil, expand(body, i, n))
  if method2 then
    return first .. wrk.format(method2, expand(path2, i, n), nil, expand(body2, i, n))
  end
  return first
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
