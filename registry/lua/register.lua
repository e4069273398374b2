--[[
  Registers or refreshes a batch of instances, one after the other in the order given (the
  registry coalesces the registrations of one event-loop turn into one call:
  src/instances/coalescer.ts). Each registration is exactly what a lone one would be: it claims its
  service's prefixes and records the change (revision, events), all in one atomic step.

  Input, for n registrations (n >= 1), registration k = 1..n:
    KEYS[1] leases sorted set                  {p}leases
    KEYS[2] prefix owners hash                 {p}prefixes
    KEYS[3] services set                       {p}services
    KEYS[4] revision counter                   {p}revision
    KEYS[5] events stream                      {p}events
    KEYS[6] prefix index (sorted set, score 0) {p}prefix-index: the prefixes of KEYS[2], kept with it
    KEYS[7] schema stamp and index watermark   {p}schema (lib/schema.lua, which runs first)
    KEYS[6+2k] instances hash of its service   {p}service:{svc}:instances
    KEYS[7+2k] its service definition          {p}service:{svc}:def

    ARGV[11(k-1)+i], i =
      1  service name
      2  instance id
      3  instance JSON (registeredAt, gatewayHealth and selfHealth are kept from the old record
         while its lease lives)
      4  definition JSON
      5  the service's prefixes, space-separated (prefix, then extraPrefixes), or "" for a
         route-less service: it claims none. A prefix the old definition held and this one does
         not is released; the prefix owners and their index are not touched otherwise
      6  lease member "{svc}/{id}"
      7  lease deadline (ms)
      8  now (ms)
      9  events MAXLEN (approximate)
      10 now (ISO 8601)
      11 "1" when the prefix may overlap another service's (admin tokens), else "0"

  Output: the error reply "SCHEMA ..." and nothing written when the stored data is of a newer
  format (lib/schema.lua); otherwise an array of n replies, the k-th for registration k:
    {"conflict", owner, ownedPrefix, wanted}
                                         another live service owns `wanted` (one of the prefixes),
                                         or (unless ARGV 11
                                         is "1") one nested in it or that it is nested in, segment
                                         by segment (/orders and /orders/admin, not /orders and
                                         /orders-archive): the controller programs Kong to match
                                         whole segments, longest prefix first, so the nested one
                                         would take part of the other's traffic; nothing written
                                         but the dropping of left-over claims (claimStands)
    {"ok", instanceJSON, revision, type} type: instance.registered | instance.updated
    error                                this registration failed (the others of the batch did not)
]]
local LEASES, PREFIXES, SERVICES, REVISION, EVENTS, PREFIX_INDEX =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local refused = schemaGate(KEYS[7])
if refused then return refused end

-- The prefixes of a space-separated list ("" for none).
local function splitPrefixes(list)
  local prefixes = {}
  for prefix in string.gmatch(list, '%S+') do prefixes[#prefixes + 1] = prefix end
  return prefixes
end

-- Whether `owner`'s claim on `prefix` stands for `service`: it is another service's, and that
-- service still has a definition. A claim whose owner has none is left over (a registry from
-- before extraPrefixes released only the main prefix of a service it removed): it is dropped
-- here, so the prefix is free again without a manual step.
local function claimStands(service, owner, prefix, definitionKey)
  if not owner or owner == service then return false end
  -- The owner's definition key, from this service's: "{p}service:<svc>:def" (keys.ts).
  local base = string.sub(definitionKey, 1, #definitionKey - #(service .. ':def'))
  if redis.call('EXISTS', base .. owner .. ':def') == 1 then return true end
  redis.call('HDEL', PREFIXES, prefix)
  redis.call('ZREM', PREFIX_INDEX, prefix)
  return false
end

-- The owner and prefix that `wanted` conflicts with for `service`, or nil.
local function conflictOf(service, wanted, indexed, overlapAllowed, definitionKey)
  local owner = redis.call('HGET', PREFIXES, wanted)
  if claimStands(service, owner, wanted, definitionKey) then return owner, wanted end
  if overlapAllowed then return nil end
  if indexed then
    -- Prefixes wanted is nested in: each leading run of whole segments, one HGET apiece.
    for i = 2, #wanted - 1 do
      if string.byte(wanted, i + 1) == 47 then -- '/'
        local prefix = string.sub(wanted, 1, i)
        local other = redis.call('HGET', PREFIXES, prefix)
        if claimStands(service, other, prefix, definitionKey) then return other, prefix end
      end
    end
    -- Prefixes nested in wanted (they start with wanted .. '/'): a range of the lexicographic
    -- index. Only this service's own entries (and left-over claims, dropped on the way) are
    -- skipped, so the loop ends at the first other owner. Each page starts after the last entry
    -- seen, not at an offset, since dropping entries shifts offsets.
    local below = wanted .. '/'
    local from = '[' .. below
    while true do
      local batch = redis.call('ZRANGEBYLEX', PREFIX_INDEX, from, '[' .. below .. '\255', 'LIMIT', 0, 8)
      for _, prefix in ipairs(batch) do
        local other = redis.call('HGET', PREFIXES, prefix)
        if claimStands(service, other, prefix, definitionKey) then return other, prefix end
      end
      if #batch < 8 then break end
      from = '(' .. batch[#batch]
    end
  else
    local owners = redis.call('HGETALL', PREFIXES)
    for i = 1, #owners, 2 do
      local prefix, other = owners[i], owners[i + 1]
      if (string.sub(wanted, 1, #prefix + 1) == prefix .. '/' or string.sub(prefix, 1, #wanted + 1) == wanted .. '/')
        and claimStands(service, other, prefix, definitionKey) then
        return other, prefix
      end
    end
  end
  return nil
end

-- One registration: a holds its 11 arguments (a[1] = service name ... a[11] = overlap allowed).
local function register(instancesKey, definitionKey, a)
  local wanted = splitPrefixes(a[5])
  -- The index mirrors the owners hash unless something that does not keep it wrote since (data
  -- from before the index, or a registry from before the stamp still running beside this one:
  -- lib/schema.lua): the check then scans the hash, and a success rebuilds the index.
  local indexed = #wanted == 0 or prefixIndexCurrent(REVISION, PREFIXES, PREFIX_INDEX)
  for _, prefix in ipairs(wanted) do
    local owner, ownedPrefix = conflictOf(a[1], prefix, indexed, a[11] == '1', definitionKey)
    if owner then return {'conflict', owner, ownedPrefix, prefix} end
  end
  if not indexed then rebuildPrefixIndex(REVISION, PREFIXES, PREFIX_INDEX) end

  local instance = cjson.decode(a[3])
  local eventType = 'instance.registered'
  local existing = redis.call('HGET', instancesKey, a[2])
  if existing then
    local deadline = redis.call('ZSCORE', LEASES, a[6])
    if deadline and tonumber(deadline) > tonumber(a[8]) then
      local old = cjson.decode(existing)
      instance['registeredAt'] = old['registeredAt']
      instance['gatewayHealth'] = old['gatewayHealth']
      instance['selfHealth'] = old['selfHealth']
      eventType = 'instance.updated'
    end
  end
  local instanceJson = cjson.encode(instance)

  -- A prefix the service no longer lists is released (the latest registration defines the
  -- service); becoming route-less releases them all.
  local oldDefinition = redis.call('GET', definitionKey)
  if oldDefinition then
    local keep = {}
    for _, prefix in ipairs(wanted) do keep[prefix] = true end
    releasePrefixes(PREFIXES, PREFIX_INDEX, a[1], oldDefinition, keep)
  end

  redis.call('HSET', instancesKey, a[2], instanceJson)
  redis.call('SET', definitionKey, a[4])
  redis.call('ZADD', LEASES, a[7], a[6])
  for _, prefix in ipairs(wanted) do
    redis.call('HSET', PREFIXES, prefix, a[1])
    redis.call('ZADD', PREFIX_INDEX, 0, prefix)
  end
  redis.call('SADD', SERVICES, a[1])

  local revision = nextRevision(REVISION)
  local function emit(kind)
    local event = { type = kind, revision = revision, at = a[10], service = a[1] }
    if kind ~= 'service.updated' then event['instanceId'] = a[2] end
    redis.call('XADD', EVENTS, 'MAXLEN', '~', a[9], '*', 'data', cjson.encode(event))
  end
  if oldDefinition ~= a[4] then emit('service.updated') end
  emit(eventType)
  return {'ok', instanceJson, revision, eventType}
end

-- Each registration runs under pcall, so a failure is that registration's error reply alone and
-- the batch carries on. An error from Redis keeps its code (READONLY, OOM...), which decides the
-- HTTP status (src/errors.ts fromRedisFailure); a Lua error becomes an ERR reply, as it would be
-- for the script as a whole.
local replies = {}
for k = 1, #ARGV / 11 do
  local base = 11 * (k - 1)
  local a = {}
  for i = 1, 11 do a[i] = ARGV[base + i] end
  local ok, reply = pcall(register, KEYS[6 + 2 * k], KEYS[7 + 2 * k], a)
  if ok then
    replies[k] = reply
  else
    local message = type(reply) == 'table' and reply['err'] or tostring(reply)
    if not string.match(message, '^[A-Z]+ ') then message = 'ERR register: ' .. message end
    replies[k] = redis.error_reply(message)
  end
end
return replies
