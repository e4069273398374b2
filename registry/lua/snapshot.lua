--[[
  Reads the registry state in one atomic step, so the revision matches the data exactly, and the
  tombstones (recent removals, see deregister.lua) agree with the instances. With service names
  in ARGV[4..] it reads only those services and their tombstones (the controller's per-service
  reconcile); without, every service.

  Input:
    KEYS[1] services set
    KEYS[2] revision counter
    KEYS[3] events stream
    KEYS[4] consumers hash
    KEYS[5] tombstones hash
    KEYS[6] tombstone times sorted set
    ARGV[1] service key prefix "{p}service:"
    ARGV[2] "1" to include consumers
    ARGV[3] "" for no tombstones, else the oldest removal time (ms) whose tombstone is wanted
    ARGV[4..] optional: the only services to read

  Output:
    { revision, lastEventId or "", { {name, definitionJSON, {instanceJSON...}}, ... }, {consumerJSON...},
      {tombstoneJSON...} }
]]
local revision = tonumber(redis.call('GET', KEYS[2]) or '0')
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local lastEventId = ''
if last[1] then lastEventId = last[1][1] end
local names
local wanted = nil
if #ARGV > 3 then
  names = {}
  wanted = {}
  for i = 4, #ARGV do
    table.insert(names, ARGV[i])
    wanted[ARGV[i]] = true
  end
else
  names = redis.call('SMEMBERS', KEYS[1])
end
table.sort(names)
local services = {}
for _, name in ipairs(names) do
  local definition = redis.call('GET', ARGV[1] .. name .. ':def')
  local instances = redis.call('HVALS', ARGV[1] .. name .. ':instances')
  if definition and #instances > 0 then
    table.insert(services, { name, definition, instances })
  end
end
local consumers = {}
if ARGV[2] == '1' then consumers = redis.call('HVALS', KEYS[4]) end
-- By time, not the whole hash: one not pruned yet is past the retention all the same.
local tombstones = {}
if ARGV[3] ~= '' then
  local members = redis.call('ZRANGEBYSCORE', KEYS[6], ARGV[3], '+inf')
  for i = 1, #members, 500 do
    local values = redis.call('HMGET', KEYS[5], unpack(members, i, math.min(i + 499, #members)))
    for j, value in ipairs(values) do
      -- Members are "{svc}/{id}"; service names contain no '/'.
      local member = members[i + j - 1]
      if value and (wanted == nil or wanted[string.match(member, '^[^/]*')]) then
        table.insert(tombstones, value)
      end
    end
  end
end
return { revision, lastEventId, services, consumers, tombstones }
