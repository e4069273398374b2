--[[
  Renews the lease of one instance. A lease that has run out (even if the reaper has not removed
  it yet) cannot be renewed: the client must register again. A draining instance keeps its drain
  deadline; only lastHeartbeatAt moves. Heartbeats change no routing state, so they bump neither
  the revision nor the event stream.

  The new deadline is now + ttlSeconds * 1000, with ttlSeconds read from the stored instance, so
  a heartbeat is one round trip (same math as leaseDeadline in src/instances/lease.ts).

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] leases sorted set
    KEYS[3] service definition
    ARGV[1] instance id
    ARGV[2] lease member "{svc}/{id}"
    ARGV[3] now (ms)
    ARGV[4] now (ISO 8601)

  Output:
    false                              no live lease (404)
    {instanceJSON, definitionJSON}     the renewed instance and its service's definition
    error                              the stored instance has no numeric ttlSeconds (corrupt row)
]]

-- Date.prototype.toISOString of a ms timestamp: Redis Lua has no os.date, so the civil date is
-- derived from the day count (H. Hinnant's days-to-civil algorithm, proleptic Gregorian, UTC).
local function isoFromMs(ms)
  ms = math.floor(ms)
  local days = math.floor(ms / 86400000)
  local msOfDay = ms - days * 86400000
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400
  if month <= 2 then
    year = year + 1
  end
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
    math.floor(msOfDay / 3600000), math.floor(msOfDay / 60000) % 60,
    math.floor(msOfDay / 1000) % 60, msOfDay % 1000)
end

local existing = redis.call('HGET', KEYS[1], ARGV[1])
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
local now = tonumber(ARGV[3])
if not existing or not deadline or tonumber(deadline) <= now then
  return false
end
local instance = cjson.decode(existing)
local ttlSeconds = tonumber(instance['ttlSeconds'])
if not ttlSeconds then
  return redis.error_reply('heartbeat: instance ' .. ARGV[2] .. ' has no numeric ttlSeconds')
end
instance['lastHeartbeatAt'] = ARGV[4]
if not instance['draining'] then
  local newDeadline = now + ttlSeconds * 1000
  instance['leaseExpiresAt'] = isoFromMs(newDeadline)
  -- %.17g keeps every digit of the score (Lua's default number-to-string keeps only 14).
  redis.call('ZADD', KEYS[2], 'XX', string.format('%.17g', newDeadline), ARGV[2])
end
local instanceJson = cjson.encode(instance)
redis.call('HSET', KEYS[1], ARGV[1], instanceJson)
return {instanceJson, redis.call('GET', KEYS[3]) or ''}
