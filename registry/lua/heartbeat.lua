--[[
  Renews the leases of a batch of instances, one after the other in the order given (the registry
  coalesces the heartbeats of one event-loop turn into one call: src/instances/coalescer.ts). Each
  renewal is exactly what a lone one would be:

  A lease that has run out (even if the reaper has not removed it yet) cannot be renewed: the
  client must register again. A draining instance keeps its drain deadline; only lastHeartbeatAt
  moves. A heartbeat changes no routing state, so it bumps neither the revision nor the event
  stream, except when the instance's own health that it may carry (stored on the instance as
  selfHealth) changes status: that changes its weight in Kong, so it records an
  `instance.health` event like any routing change.

  The new deadline is now + ttlSeconds * 1000, with ttlSeconds read from the stored instance, so
  a heartbeat is one round trip (same math as leaseDeadline in src/instances/lease.ts).

  Input, for n heartbeats (n >= 1), heartbeat k = 1..n:
    KEYS[1]        leases sorted set
    KEYS[2]        schema stamp {p}schema (lib/schema.lua, which runs first)
    KEYS[3]        revision counter
    KEYS[4]        events stream
    KEYS[2k+3]     instances hash of its service
    KEYS[2k+4]     its service's definition
    ARGV[6k-5]     service name
    ARGV[6k-4]     instance id
    ARGV[6k-3]     lease member "{svc}/{id}"
    ARGV[6k-2]     now (ms)
    ARGV[6k-1]     now (ISO 8601)
    ARGV[6k]       self-health JSON {status, detail, reportedAt}, or "" to keep the stored one
    ARGV[6n+1]     events MAXLEN (approximate)

  Output: the error reply "SCHEMA ..." and nothing written when the stored data is of a newer
  format (lib/schema.lua); otherwise an array of n replies, the k-th for heartbeat k:
    false                              no live lease (404)
    {instanceJSON, definitionJSON}     the renewed instance and its service's definition
    error                              the stored instance has no numeric ttlSeconds (corrupt row):
                                       this heartbeat fails, the others of the batch do not
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

-- The status of a stored selfHealth (absent, or JSON null, reads as nil).
local function selfStatus(selfHealth)
  if type(selfHealth) ~= 'table' then return nil end
  return selfHealth['status']
end

local function renew(instances, leases, definitionKey, service, id, member, nowMs, nowIso,
                     selfHealth)
  local existing = redis.call('HGET', instances, id)
  local deadline = redis.call('ZSCORE', leases, member)
  local now = tonumber(nowMs)
  if not existing or not deadline or tonumber(deadline) <= now then
    return false
  end
  local instance = cjson.decode(existing)
  local ttlSeconds = tonumber(instance['ttlSeconds'])
  if not ttlSeconds then
    return redis.error_reply('heartbeat: instance ' .. member .. ' has no numeric ttlSeconds')
  end
  schemaStamp()
  instance['lastHeartbeatAt'] = nowIso
  if selfHealth ~= '' then
    local previous = selfStatus(instance['selfHealth'])
    instance['selfHealth'] = cjson.decode(selfHealth)
    if selfStatus(instance['selfHealth']) ~= previous then
      local revision = nextRevision(KEYS[3])
      redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[#ARGV], '*', 'data', cjson.encode({
        type = 'instance.health', revision = revision, at = nowIso, service = service,
        instanceId = id
      }))
    end
  end
  if not instance['draining'] then
    local newDeadline = now + ttlSeconds * 1000
    instance['leaseExpiresAt'] = isoFromMs(newDeadline)
    -- %.17g keeps every digit of the score (Lua's default number-to-string keeps only 14).
    redis.call('ZADD', leases, 'XX', string.format('%.17g', newDeadline), member)
  end
  local instanceJson = cjson.encode(instance)
  redis.call('HSET', instances, id, instanceJson)
  return {instanceJson, redis.call('GET', definitionKey) or ''}
end

local refused = schemaGate(KEYS[2])
if refused then return refused end

-- Each renewal runs under pcall, so a failure (a row that is not JSON, a key of the wrong type,
-- a replica refusing writes) is that heartbeat's error reply alone: the batch carries on, and no
-- heartbeat that was written is answered with another's failure. An error from Redis keeps its
-- code (READONLY, WRONGTYPE...), which decides the HTTP status (src/errors.ts fromRedisFailure);
-- a Lua error becomes an ERR reply, as it would be for the script as a whole.
local replies = {}
for k = 1, (#ARGV - 1) / 6 do
  local a = 6 * k
  local ok, reply = pcall(renew, KEYS[2 * k + 3], KEYS[1], KEYS[2 * k + 4], ARGV[a - 5],
    ARGV[a - 4], ARGV[a - 3], ARGV[a - 2], ARGV[a - 1], ARGV[a])
  if ok then
    replies[k] = reply
  else
    local message = type(reply) == 'table' and reply['err'] or tostring(reply)
    if not string.match(message, '^[A-Z]+ ') then message = 'ERR heartbeat: ' .. message end
    replies[k] = redis.error_reply(message)
  end
end
return replies
