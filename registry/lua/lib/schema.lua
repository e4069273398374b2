--[[
  The stored-data format, shared by every script that writes. src/instances/scripts.ts puts
  `local SCHEMA_VERSION = <n>` (from src/instances/schema.ts) and then this file before such a
  script. Everything lives in one hash, {p}schema:

    version         the format of the stored data; absent means 1 (written before the stamp)
    index-revision  the revision at which {p}prefix-index last matched {p}prefixes

  A writing script calls schemaGate(key) before anything else. Data stamped newer than
  SCHEMA_VERSION, or with a stamp it cannot read, is refused whole with the error reply
  "SCHEMA stored=<stamp> supported=<n>", and nothing is written: a newer registry may have
  changed what the keys mean. Older data is read as it is and stamped with SCHEMA_VERSION by the
  script's first change (schemaStamp, which nextRevision calls).

  The index watermark: a registry from before the stamp cannot be told to keep the index (the
  releases before the index did not), but every change it makes bumps {p}revision. Scripts that
  know the stamp bump it through nextRevision, which carries index-revision along while it is
  current. So index-revision ~= revision means something else wrote since, and register.lua
  checks by a scan of {p}prefixes and rebuilds the index before it trusts it again.
]]
local schemaKey, storedVersion

-- Reads the stamp; returns an error reply to hand back when this script may not write.
local function schemaGate(key)
  schemaKey = key
  local raw = redis.call('HGET', key, 'version')
  if raw == false then
    storedVersion = 1
  else
    storedVersion = tonumber(raw)
  end
  if storedVersion == nil or storedVersion > SCHEMA_VERSION then
    return redis.error_reply('SCHEMA stored=' .. tostring(raw) .. ' supported=' .. SCHEMA_VERSION)
  end
  return nil
end

-- Stamps older data with this script's format, once, when the script changes something.
local function schemaStamp()
  if storedVersion < SCHEMA_VERSION then
    redis.call('HSET', schemaKey, 'version', SCHEMA_VERSION)
    storedVersion = SCHEMA_VERSION
  end
end

-- INCRs the revision, carrying the index watermark along when it was current.
local function nextRevision(revisionKey)
  schemaStamp()
  local revision = redis.call('INCR', revisionKey)
  if redis.call('HGET', schemaKey, 'index-revision') == string.format('%d', revision - 1) then
    redis.call('HSET', schemaKey, 'index-revision', revision)
  end
  return revision
end

-- Whether the prefix index mirrors the owners hash: nothing without the watermark wrote since it
-- last did, and (for an index deleted or trimmed by hand) the sizes agree.
local function prefixIndexCurrent(revisionKey, prefixesKey, indexKey)
  return redis.call('HGET', schemaKey, 'index-revision') == (redis.call('GET', revisionKey) or '0')
    and redis.call('ZCARD', indexKey) == redis.call('HLEN', prefixesKey)
end

-- Rebuilds the prefix index from the owners hash and marks it current.
local function rebuildPrefixIndex(revisionKey, prefixesKey, indexKey)
  redis.call('DEL', indexKey)
  local prefixes = redis.call('HKEYS', prefixesKey)
  for i = 1, #prefixes, 500 do
    local args = {}
    for j = i, math.min(i + 499, #prefixes) do
      table.insert(args, 0)
      table.insert(args, prefixes[j])
    end
    redis.call('ZADD', indexKey, unpack(args))
  end
  redis.call('HSET', schemaKey, 'index-revision', redis.call('GET', revisionKey) or '0')
end
