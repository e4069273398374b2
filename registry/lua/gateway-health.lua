--[[
  Stores Kong's view of one instance, as reported by the control plane. A changed status bumps
  the revision and records an event; the same status again only refreshes reportedAt.

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] revision counter
    KEYS[3] events stream
    KEYS[4] schema stamp {p}schema (lib/schema.lua, which runs first)
    ARGV[1] service name
    ARGV[2] instance id
    ARGV[3] status
    ARGV[4] now (ISO 8601)
    ARGV[5] events MAXLEN (approximate)

  Output:
    "SCHEMA ..."   error reply, nothing written: the stored data is of a newer format
    false          no such instance (404)
    instanceJSON   the updated instance
]]
local refused = schemaGate(KEYS[4])
if refused then return refused end
local existing = redis.call('HGET', KEYS[1], ARGV[2])
if not existing then
  return false
end
local instance = cjson.decode(existing)
local previous = instance['gatewayHealth']
local changed = previous == cjson.null or previous == nil or previous['status'] ~= ARGV[3]
instance['gatewayHealth'] = { status = ARGV[3], reportedAt = ARGV[4] }
local instanceJson = cjson.encode(instance)
schemaStamp()
redis.call('HSET', KEYS[1], ARGV[2], instanceJson)
if changed then
  local revision = nextRevision(KEYS[2])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'data', cjson.encode({
    type = 'instance.gateway-health', revision = revision, at = ARGV[4], service = ARGV[1], instanceId = ARGV[2]
  }))
end
return instanceJson
