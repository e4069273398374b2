--[[
  Records one sample of every service's instance counts into its per-minute history, the compact
  history behind GET /v1/history and the timelines of /ui. Every replica samples on its own timer
  (src/history/sampler.ts); this script makes the stored result the same however many replicas
  sampled, and in whatever order their samples arrive. Nothing is added up:

    - a minute's bucket keeps the counts of the newest state revision sampled in that minute; a
      sample of an older revision than the stored one moves only the extremes. Two replicas that
      read the same revision read the same counts, so they write the same bucket;
    - minHealthy and maxTotal merge by min and max, which a repeated sample does not change.

  A service that had an instance within the kept minutes but is absent from the sample has none
  at that revision: it gets a 0 sample, so its timeline shows it gone. Once its last instance is
  older than the kept minutes, it leaves {p}history-services and its hash is deleted.

  Bounded: a hash holds the minutes in (minute - keep, minute], older fields are deleted when the
  hash grows past `keep` fields, and every hash expires (keep + 2) minutes after its last write.

  It changes no registry state (no revision, no event) and does not stamp the data: the history
  keys are new, and older registries neither read nor write them. Like every writing script it
  refuses data of a newer format (lib/schema.lua).

  Input:
    KEYS[1] schema stamp {p}schema (lib/schema.lua, which runs first)
    KEYS[2] services with a history {p}history-services (member service -> last minute with an
            instance)
    ARGV[1] history key prefix "{p}history:"
    ARGV[2] minute of the sample (whole minutes since the epoch, from the read's time)
    ARGV[3] the state revision the sample was read at
    ARGV[4] minutes kept
    ARGV[5..] per sampled service: name, total, healthy

  Output: the number of buckets written (changed), or the error reply "SCHEMA ..." and nothing
  written when the stored data is of a newer format.
]]
local refused = schemaGate(KEYS[1])
if refused then return refused end

local prefix = ARGV[1]
local minute = tonumber(ARGV[2])
local revision = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local oldest = minute - keep
local field = string.format('%d', minute)
local ttlMs = (keep + 2) * 60000
local written = 0

local function record(service, total, healthy)
  local key = prefix .. service
  local stored = redis.call('HGET', key, field)
  local rev, last, lastHealthy, minHealthy, maxTotal = revision, total, healthy, healthy, total
  if stored then
    local r, t, h, lo, hi = string.match(stored, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
    if r then
      if tonumber(r) > revision then
        rev, last, lastHealthy = tonumber(r), tonumber(t), tonumber(h)
      end
      minHealthy = math.min(tonumber(lo), healthy)
      maxTotal = math.max(tonumber(hi), total)
    end
  end
  local value = string.format('%d:%d:%d:%d:%d', rev, last, lastHealthy, minHealthy, maxTotal)
  if value ~= stored then
    redis.call('HSET', key, field, value)
    written = written + 1
    if redis.call('HLEN', key) > keep then
      for _, f in ipairs(redis.call('HKEYS', key)) do
        local m = tonumber(f)
        if m == nil or m <= oldest then redis.call('HDEL', key, f) end
      end
    end
  end
  redis.call('PEXPIRE', key, ttlMs)
end

local seen = {}
for i = 5, #ARGV, 3 do
  local service = ARGV[i]
  local total = tonumber(ARGV[i + 1])
  seen[service] = true
  record(service, total, tonumber(ARGV[i + 2]))
  if total > 0 then
    local last = tonumber(redis.call('ZSCORE', KEYS[2], service) or '-1')
    if minute > last then redis.call('ZADD', KEYS[2], minute, service) end
  end
end

local tracked = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #tracked, 2 do
  local service = tracked[i]
  if not seen[service] then
    if tonumber(tracked[i + 1]) <= oldest then
      redis.call('ZREM', KEYS[2], service)
      redis.call('DEL', prefix .. service)
    else
      record(service, 0, 0)
    end
  end
end
return written
