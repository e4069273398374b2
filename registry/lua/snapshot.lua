--[[
  Reads the whole registry state in one atomic step, so the revision matches the data exactly.

  Input:
    KEYS[1] services set
    KEYS[2] revision counter
    KEYS[3] events stream
    KEYS[4] consumers hash
    ARGV[1] service key prefix "{p}service:"
    ARGV[2] "1" to include consumers

  Output:
    { revision, lastEventId or "", { {name, definitionJSON, {instanceJSON...}}, ... }, {consumerJSON...} }
]]
local revision = tonumber(redis.call('GET', KEYS[2]) or '0')
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local lastEventId = ''
if last[1] then lastEventId = last[1][1] end
local names = redis.call('SMEMBERS', KEYS[1])
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
return { revision, lastEventId, services, consumers }
