--[[
  Creates, replaces or deletes one consumer (with its credentials) as a compare-and-set, and
  records the change. Callers read the consumer, change it, and retry on "changed", so two
  concurrent credential additions never lose one another.

  Input:
    KEYS[1] consumers hash
    KEYS[2] revision counter
    KEYS[3] events stream
    KEYS[4] schema stamp {p}schema (lib/schema.lua, which runs first)
    ARGV[1] username
    ARGV[2] expected current JSON; "" means the consumer must not exist
    ARGV[3] new JSON; "" deletes
    ARGV[4] event type
    ARGV[5] now (ISO 8601)
    ARGV[6] events MAXLEN (approximate)

  Output:
    "SCHEMA ..."        error reply, nothing written: the stored data is of a newer format
    {"exists"}          create of a username that is taken
    {"missing"}         update or delete of a consumer that is gone
    {"changed"}         the consumer changed since it was read: read again and retry
    {"ok", revision}
]]
local refused = schemaGate(KEYS[4])
if refused then return refused end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if current then return {'exists'} end
else
  if not current then return {'missing'} end
  if current ~= ARGV[2] then return {'changed'} end
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
local revision = nextRevision(KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'data', cjson.encode({
  type = ARGV[4], revision = revision, at = ARGV[5], consumer = ARGV[1]
}))
return {'ok', revision}
