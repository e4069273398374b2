--[[
  Removes one instance at once (plain DELETE). The last instance of a service takes the service's
  definition and prefix with it.

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] service definition
    KEYS[3] leases sorted set
    KEYS[4] prefix owners hash
    KEYS[5] services set
    KEYS[6] revision counter
    KEYS[7] events stream
    KEYS[8] prefix index (sorted set of the prefixes, kept with KEYS[4])
    ARGV[1] service name
    ARGV[2] instance id
    ARGV[3] lease member
    ARGV[4] events MAXLEN (approximate)
    ARGV[5] now (ISO 8601)

  Output:
    false       no such instance (404)
    revision    the new revision
]]
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then
  return false
end
redis.call('ZREM', KEYS[3], ARGV[3])
local revision = redis.call('INCR', KEYS[6])
local function emit(event)
  event['revision'] = revision
  event['at'] = ARGV[5]
  event['service'] = ARGV[1]
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[4], '*', 'data', cjson.encode(event))
end
emit({ type = 'instance.deregistered', instanceId = ARGV[2], reason = 'deregistered' })
if redis.call('HLEN', KEYS[1]) == 0 then
  local definition = redis.call('GET', KEYS[2])
  if definition then
    local prefix = cjson.decode(definition)['prefix']
    if redis.call('HGET', KEYS[4], prefix) == ARGV[1] then
      redis.call('HDEL', KEYS[4], prefix)
      redis.call('ZREM', KEYS[8], prefix)
    end
  end
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[5], ARGV[1])
  emit({ type = 'service.removed' })
end
return revision
