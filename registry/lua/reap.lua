--[[
  Removes instances whose deadline has passed: leases that ran out (reason "expired") and drains
  that ended (reason "drained"). Each removal happens at most once even when several registry
  replicas run this at the same moment: Redis runs a script atomically, and a member gone from
  the sorted set is simply not seen by the next run. One event and one tombstone per removal
  (same layout as deregister.lua); every run also prunes tombstones older than the retention, up
  to the batch size, so they go even when nothing else is removed.

  Service keys are built here from ARGV[1] ({p}service:) the way RegistryKeys does, because the
  services are only known once the sorted set has been read (single Redis or Sentinel; not
  Redis Cluster).

  Input:
    KEYS[1] leases sorted set
    KEYS[2] prefix owners hash
    KEYS[3] services set
    KEYS[4] revision counter
    KEYS[5] events stream
    KEYS[6] prefix index (sorted set of the prefixes, kept with KEYS[2])
    KEYS[7] tombstones hash ("{svc}/{id}" -> JSON tombstone)
    KEYS[8] tombstone times sorted set ("{svc}/{id}" -> removal time, ms)
    KEYS[9] schema stamp {p}schema (lib/schema.lua, which runs first)
    ARGV[1] service key prefix "{p}service:"
    ARGV[2] now (ms)
    ARGV[3] batch size
    ARGV[4] events MAXLEN (approximate)
    ARGV[5] now (ISO 8601)
    ARGV[6] tombstone retention (ms)

  Output:
    "SCHEMA ..."                     error reply, nothing written: the stored data is of a newer
                                     format
    { "{svc}/{id}/{reason}", ... }   what was removed
]]
local refused = schemaGate(KEYS[9])
if refused then return refused end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local removed = {}
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local slash = string.find(member, '/', 1, true)
  local service = string.sub(member, 1, slash - 1)
  local instanceId = string.sub(member, slash + 1)
  local instancesKey = ARGV[1] .. service .. ':instances'
  local definitionKey = ARGV[1] .. service .. ':def'
  local existing = redis.call('HGET', instancesKey, instanceId)
  if existing then
    local instance = cjson.decode(existing)
    local reason = 'expired'
    local eventType = 'instance.expired'
    if instance['draining'] then
      reason = 'drained'
      eventType = 'instance.deregistered'
    end
    redis.call('HDEL', instancesKey, instanceId)
    local revision = nextRevision(KEYS[4])
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'data', cjson.encode({
      type = eventType, revision = revision, at = ARGV[5], service = service,
      instanceId = instanceId, reason = reason
    }))
    redis.call('HSET', KEYS[7], member, cjson.encode({
      service = service, instanceId = instanceId, reason = reason, revision = revision, at = ARGV[5]
    }))
    redis.call('ZADD', KEYS[8], ARGV[2], member)
    if redis.call('HLEN', instancesKey) == 0 then
      local definition = redis.call('GET', definitionKey)
      if definition then releasePrefixes(KEYS[2], KEYS[6], service, definition, nil) end
      redis.call('DEL', definitionKey)
      redis.call('SREM', KEYS[3], service)
      redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], '*', 'data', cjson.encode({
        type = 'service.removed', revision = revision, at = ARGV[5], service = service
      }))
    end
    table.insert(removed, member .. '/' .. reason)
  end
end
local cutoff = '(' .. string.format('%.17g', tonumber(ARGV[2]) - tonumber(ARGV[6]))
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[8], '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[3]))) do
  redis.call('HDEL', KEYS[7], member)
  redis.call('ZREM', KEYS[8], member)
end
return removed
