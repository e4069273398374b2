--[[
  Marks one instance draining: weight 0 now, removed by the reaper at drainUntil (event reason
  "drained"). Draining twice keeps the first deadline and records nothing new.

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] leases sorted set
    KEYS[3] revision counter
    KEYS[4] events stream
    KEYS[5] schema stamp {p}schema (lib/schema.lua, which runs first)
    ARGV[1] service name
    ARGV[2] instance id
    ARGV[3] lease member
    ARGV[4] drain deadline (ms)
    ARGV[5] drain deadline (ISO 8601)
    ARGV[6] events MAXLEN (approximate)
    ARGV[7] now (ISO 8601)

  Output:
    "SCHEMA ..."   error reply, nothing written: the stored data is of a newer format
    false          no such instance (404)
    instanceJSON   the draining instance
]]
local refused = schemaGate(KEYS[5])
if refused then return refused end
local existing = redis.call('HGET', KEYS[1], ARGV[2])
if not existing then
  return false
end
local instance = cjson.decode(existing)
if instance['draining'] then
  return existing
end
instance['draining'] = true
instance['weight'] = 0
instance['drainUntil'] = ARGV[5]
local instanceJson = cjson.encode(instance)
redis.call('HSET', KEYS[1], ARGV[2], instanceJson)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
local revision = nextRevision(KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[6], '*', 'data', cjson.encode({
  type = 'instance.draining', revision = revision, at = ARGV[7], service = ARGV[1], instanceId = ARGV[2]
}))
return instanceJson
