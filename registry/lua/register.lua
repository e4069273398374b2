--[[
  Registers or refreshes one instance, claims the service's prefix and records the change, all in
  one atomic step.

  Input:
    KEYS[1] instances hash of the service      {p}service:{svc}:instances
    KEYS[2] service definition                 {p}service:{svc}:def
    KEYS[3] leases sorted set                  {p}leases
    KEYS[4] prefix owners hash                 {p}prefixes
    KEYS[5] services set                       {p}services
    KEYS[6] revision counter                   {p}revision
    KEYS[7] events stream                      {p}events
    KEYS[8] prefix index (sorted set, score 0) {p}prefix-index: the prefixes of KEYS[4], kept with it

    ARGV[1] service name
    ARGV[2] instance id
    ARGV[3] instance JSON (registeredAt and gatewayHealth are kept from the old record while its
            lease lives)
    ARGV[4] definition JSON
    ARGV[5] prefix
    ARGV[6] lease member "{svc}/{id}"
    ARGV[7] lease deadline (ms)
    ARGV[8] now (ms)
    ARGV[9] events MAXLEN (approximate)
    ARGV[10] now (ISO 8601)
    ARGV[11] "1" when the prefix may overlap another service's (admin tokens), else "0"

  Output:
    {"conflict", owner, ownedPrefix}     another live service owns the prefix, or (unless ARGV[11]
                                         is "1") a prefix that starts with it or that it starts
                                         with: Kong matches prefixes as plain strings, so the
                                         longer one would take the other's traffic; nothing written
    {"ok", instanceJSON, revision, type} type: instance.registered | instance.updated
]]
local owner = redis.call('HGET', KEYS[4], ARGV[5])
if owner and owner ~= ARGV[1] then
  return {'conflict', owner, ARGV[5]}
end
-- The index mirrors the owners hash; a different size means data written before the index
-- existed (or by an older registry): the check then scans the hash, and a success rebuilds it.
local indexed = redis.call('ZCARD', KEYS[8]) == redis.call('HLEN', KEYS[4])
if ARGV[11] ~= '1' then
  local wanted = ARGV[5]
  if indexed then
    -- Prefixes that wanted starts with: each leading substring, one HGET apiece (<= 200).
    for i = 1, #wanted - 1 do
      local prefix = string.sub(wanted, 1, i)
      local other = redis.call('HGET', KEYS[4], prefix)
      if other and other ~= ARGV[1] then return {'conflict', other, prefix} end
    end
    -- Prefixes that start with wanted: a range of the lexicographic index. Only this service's
    -- own entries are skipped, so the loop ends at the first other owner.
    local offset = 0
    while true do
      local batch = redis.call('ZRANGEBYLEX', KEYS[8], '[' .. wanted, '[' .. wanted .. '\255', 'LIMIT', offset, 8)
      for _, prefix in ipairs(batch) do
        local other = redis.call('HGET', KEYS[4], prefix)
        if other and other ~= ARGV[1] then return {'conflict', other, prefix} end
      end
      if #batch < 8 then break end
      offset = offset + 8
    end
  else
    local owners = redis.call('HGETALL', KEYS[4])
    for i = 1, #owners, 2 do
      local prefix, other = owners[i], owners[i + 1]
      if other ~= ARGV[1] and (string.sub(wanted, 1, #prefix) == prefix or string.sub(prefix, 1, #wanted) == wanted) then
        return {'conflict', other, prefix}
      end
    end
  end
end
if not indexed then
  redis.call('DEL', KEYS[8])
  for _, prefix in ipairs(redis.call('HKEYS', KEYS[4])) do redis.call('ZADD', KEYS[8], 0, prefix) end
end

local instance = cjson.decode(ARGV[3])
local eventType = 'instance.registered'
local existing = redis.call('HGET', KEYS[1], ARGV[2])
if existing then
  local deadline = redis.call('ZSCORE', KEYS[3], ARGV[6])
  if deadline and tonumber(deadline) > tonumber(ARGV[8]) then
    local old = cjson.decode(existing)
    instance['registeredAt'] = old['registeredAt']
    instance['gatewayHealth'] = old['gatewayHealth']
    eventType = 'instance.updated'
  end
end
local instanceJson = cjson.encode(instance)

-- A changed prefix releases the old one (the latest registration defines the service).
local oldDefinition = redis.call('GET', KEYS[2])
if oldDefinition then
  local oldPrefix = cjson.decode(oldDefinition)['prefix']
  if oldPrefix ~= ARGV[5] and redis.call('HGET', KEYS[4], oldPrefix) == ARGV[1] then
    redis.call('HDEL', KEYS[4], oldPrefix)
    redis.call('ZREM', KEYS[8], oldPrefix)
  end
end

redis.call('HSET', KEYS[1], ARGV[2], instanceJson)
redis.call('SET', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[8], 0, ARGV[5])
redis.call('SADD', KEYS[5], ARGV[1])

local revision = redis.call('INCR', KEYS[6])
local function emit(kind)
  local event = { type = kind, revision = revision, at = ARGV[10], service = ARGV[1] }
  if kind ~= 'service.updated' then event['instanceId'] = ARGV[2] end
  redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[9], '*', 'data', cjson.encode(event))
end
if oldDefinition ~= ARGV[4] then emit('service.updated') end
emit(eventType)
return {'ok', instanceJson, revision, eventType}
