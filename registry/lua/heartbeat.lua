--[[
  Renews the lease of one instance. A lease that has run out (even if the reaper has not removed
  it yet) cannot be renewed: the client must register again. A draining instance keeps its drain
  deadline; only lastHeartbeatAt moves. Heartbeats change no routing state, so they bump neither
  the revision nor the event stream.

  Input:
    KEYS[1] instances hash of the service
    KEYS[2] leases sorted set
    KEYS[3] service definition
    ARGV[1] instance id
    ARGV[2] lease member "{svc}/{id}"
    ARGV[3] now (ms)
    ARGV[4] new lease deadline (ms)
    ARGV[5] now (ISO 8601)
    ARGV[6] new lease deadline (ISO 8601)

  Output:
    false                              no live lease (404)
    {instanceJSON, definitionJSON}     the renewed instance and its service's definition
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1])
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not existing or not deadline or tonumber(deadline) <= tonumber(ARGV[3]) then
  return false
end
local instance = cjson.decode(existing)
instance['lastHeartbeatAt'] = ARGV[5]
if not instance['draining'] then
  instance['leaseExpiresAt'] = ARGV[6]
  redis.call('ZADD', KEYS[2], 'XX', ARGV[4], ARGV[2])
end
local instanceJson = cjson.encode(instance)
redis.call('HSET', KEYS[1], ARGV[1], instanceJson)
return {instanceJson, redis.call('GET', KEYS[3]) or ''}
