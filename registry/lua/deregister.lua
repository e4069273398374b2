--[[
  Removes one instance at once (plain DELETE). The last instance of a service takes the service's
  definition and prefix with it. The removal leaves a tombstone (why, when, at which revision) for
  the tombstone retention, so readers of the state can tell a deliberate removal from an expiry;
  tombstones older than the retention are pruned here and by the reaper (reap.lua).

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] service definition
    KEYS[3] leases sorted set
    KEYS[4] prefix owners hash
    KEYS[5] services set
    KEYS[6] revision counter
    KEYS[7] events stream
    KEYS[8] prefix index (sorted set of the prefixes, kept with KEYS[4])
    KEYS[9] tombstones hash ("{svc}/{id}" -> JSON tombstone)
    KEYS[10] tombstone times sorted set ("{svc}/{id}" -> removal time, ms)
    KEYS[11] schema stamp {p}schema (lib/schema.lua, which runs first)
    ARGV[1] service name
    ARGV[2] instance id
    ARGV[3] lease member
    ARGV[4] events MAXLEN (approximate)
    ARGV[5] now (ISO 8601)
    ARGV[6] reason: "deregistered" (the service's own token) or "deleted" (an admin token)
    ARGV[7] now (ms)
    ARGV[8] tombstone retention (ms)

  Output:
    "SCHEMA ..." error reply, nothing written: the stored data is of a newer format
    false       no such instance (404)
    revision    the new revision
]]
local refused = schemaGate(KEYS[11])
if refused then return refused end
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then
  return false
end
redis.call('ZREM', KEYS[3], ARGV[3])
local revision = nextRevision(KEYS[6])
local function emit(event)
  event['revision'] = revision
  event['at'] = ARGV[5]
  event['service'] = ARGV[1]
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[4], '*', 'data', cjson.encode(event))
end
emit({ type = 'instance.deregistered', instanceId = ARGV[2], reason = ARGV[6] })
-- The tombstone (same layout in reap.lua), then at most 16 expired ones pruned: amortised, every
-- removal prunes more than it adds.
redis.call('HSET', KEYS[9], ARGV[3], cjson.encode({
  service = ARGV[1], instanceId = ARGV[2], reason = ARGV[6], revision = revision, at = ARGV[5]
}))
redis.call('ZADD', KEYS[10], ARGV[7], ARGV[3])
local cutoff = '(' .. string.format('%.17g', tonumber(ARGV[7]) - tonumber(ARGV[8]))
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[10], '-inf', cutoff, 'LIMIT', 0, 16)) do
  redis.call('HDEL', KEYS[9], member)
  redis.call('ZREM', KEYS[10], member)
end
if redis.call('HLEN', KEYS[1]) == 0 then
  local definition = redis.call('GET', KEYS[2])
  if definition then releasePrefixes(KEYS[4], KEYS[8], ARGV[1], definition, nil) end
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[5], ARGV[1])
  emit({ type = 'service.removed' })
end
return revision
