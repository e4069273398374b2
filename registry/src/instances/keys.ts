/**
 * Every Redis key the registry touches is built here (as bullmq's queue-keys.ts does), under one
 * configurable prefix so several registries, or tests, share a Redis without meeting.
 *
 *   {p}services                      SET     names of services with at least one instance
 *   {p}service:{svc}:def             STRING  JSON ServiceDefinition (latest registration wins)
 *   {p}service:{svc}:instances       HASH    instanceId -> JSON Instance
 *   {p}leases                        ZSET    "{svc}/{instanceId}" -> deadline (ms): lease expiry,
 *                                            or drainUntil while draining. The reaper's work list.
 *   {p}prefixes                      HASH    gateway prefix -> owning service
 *   {p}prefix-index                  ZSET    the same prefixes, all scored 0: a lexicographic
 *                                            index, so "prefixes starting with /x" is one
 *                                            ZRANGEBYLEX, not a scan (register.lua's overlap check)
 *   {p}revision                      STRING  INCR'd by every state change, in the same script
 *   {p}events                        STREAM  one entry per change (field "data": JSON event)
 *   {p}consumers                     HASH    username -> JSON consumer, secrets included
 *   {p}tombstones                    HASH    "{svc}/{instanceId}" -> JSON Tombstone: the last
 *                                            removal of that instance (reason, revision, at),
 *                                            written by the script that removes it
 *   {p}tombstone-times               ZSET    the same members -> removal time (ms): what is past
 *                                            REGISTRY_TOMBSTONE_SECONDS, pruned by the removing
 *                                            scripts (deregister, reap) and skipped by snapshot
 *   {p}schema                        HASH    `version`: the stored-data format (absent: 1), which
 *                                            every writing script checks first; `index-revision`:
 *                                            the revision at which prefix-index last mirrored
 *                                            prefixes (./schema.ts, lua/lib/schema.lua)
 *
 * The reaper script builds `service:{svc}:*` keys itself (it discovers services as it goes), from
 * {@link RegistryKeys.servicePrefix}; that is why the layout of those two keys lives in one place.
 */
export class RegistryKeys {
  readonly services: string;
  readonly leases: string;
  readonly prefixes: string;
  readonly prefixIndex: string;
  readonly revision: string;
  readonly events: string;
  readonly consumers: string;
  readonly tombstones: string;
  readonly tombstoneTimes: string;
  readonly schema: string;
  /** `{p}service:`; followed by `{svc}:def` / `{svc}:instances`. */
  readonly servicePrefix: string;
  /** `{p}history:`; followed by `{svc}` (history-record.lua builds the keys of absent services). */
  readonly historyPrefix: string;
  readonly historyServices: string;

  constructor(readonly prefix: string) {
    this.services = `${prefix}services`;
    this.leases = `${prefix}leases`;
    this.prefixes = `${prefix}prefixes`;
    this.prefixIndex = `${prefix}prefix-index`;
    this.revision = `${prefix}revision`;
    this.events = `${prefix}events`;
    this.consumers = `${prefix}consumers`;
    this.tombstones = `${prefix}tombstones`;
    this.tombstoneTimes = `${prefix}tombstone-times`;
    this.schema = `${prefix}schema`;
    this.servicePrefix = `${prefix}service:`;
    this.historyPrefix = `${prefix}history:`;
    this.historyServices = `${prefix}history-services`;
  }

  /** JSON ServiceDefinition of one service. */
  definition(service: string): string {
    return `${this.servicePrefix}${service}:def`;
  }

  /** Hash of the instances of one service. */
  instances(service: string): string {
    return `${this.servicePrefix}${service}:instances`;
  }

  /** The per-minute instance counts of one service (../history/store.ts). */
  history(service: string): string {
    return `${this.historyPrefix}${service}`;
  }

  /**
   * KEYS[1..8] of register.lua and deregister.lua, in their order: everything a change to who
   * is in a service touches (its instances and definition, leases, prefix owners and index,
   * the services set, the revision and the event stream).
   */
  membershipKeys(service: string): string[] {
    return [
      this.instances(service),
      this.definition(service),
      this.leases,
      this.prefixes,
      this.services,
      this.revision,
      this.events,
      this.prefixIndex,
    ];
  }

  /**
   * Member of the leases sorted set (and field of the tombstones); `/` cannot occur in service
   * names or instance ids.
   */
  leaseMember(service: string, instanceId: string): string {
    return `${service}/${instanceId}`;
  }
}
