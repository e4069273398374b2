--[[
  The prefixes a service claims, shared by the scripts that write (src/instances/scripts.ts puts
  this file after lib/schema.lua before each of them). The owners hash {p}prefixes maps each
  claimed prefix to its service, and {p}prefix-index lists the same prefixes for range scans.
]]

-- Every prefix a stored definition claims: prefix, then extraPrefixes. A route-less one claims
-- none (its prefix is cjson.null); one stored before extraPrefixes existed has only prefix.
local function definitionPrefixes(definition)
  local prefixes = {}
  if type(definition['prefix']) ~= 'string' then return prefixes end
  prefixes[1] = definition['prefix']
  if type(definition['extraPrefixes']) == 'table' then
    for _, prefix in ipairs(definition['extraPrefixes']) do prefixes[#prefixes + 1] = prefix end
  end
  return prefixes
end

-- Releases the prefixes of `definitionJson` that `service` still owns, except those in `keep`
-- (a set; nil keeps none).
local function releasePrefixes(ownersKey, indexKey, service, definitionJson, keep)
  for _, prefix in ipairs(definitionPrefixes(cjson.decode(definitionJson))) do
    if not (keep and keep[prefix]) and redis.call('HGET', ownersKey, prefix) == service then
      redis.call('HDEL', ownersKey, prefix)
      redis.call('ZREM', indexKey, prefix)
    end
  end
end
