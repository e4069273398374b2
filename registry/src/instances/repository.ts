import type Redis from 'ioredis';
import {
  servicePrefixes,
  type Consumer,
  type GatewayHealthStatus,
  type Instance,
  type RegistryEventType,
  type SelfHealth,
  type ServiceDefinition,
  type ServiceView,
  type Tombstone,
} from '@kong-registry/sdk';
import { fromRedisFailure, rejectAsRedisFailure, RegistryError } from '../errors';
import { Coalescer, DEFAULT_REDIS_BATCH_MAX } from './coalescer';
import { RegistryKeys } from './keys';
import { SCRIPTS } from './scripts';
import { byInstanceId, parseDefinition, parseInstance, parseTombstone } from './stored';

/** Result of a registration attempt. */
export type RegisterResult =
  /** `wanted`, one of the registration's prefixes, conflicts with `ownedPrefix` of `owner`. */
  | { ok: false; owner: string; ownedPrefix: string; wanted: string }
  | { ok: true; instance: Instance; revision: number; eventType: RegistryEventType };

/** A consistent view of everything, read atomically with its revision. */
export interface RawSnapshot {
  revision: number;
  lastEventId: string | null;
  services: ServiceView[];
  consumers: Consumer[];
  /** Recent removals, oldest first; empty unless asked for. */
  tombstones: Tombstone[];
}

/** Why a DELETE removed an instance: its own service's token, or an admin's. */
export type DeleteReason = Extract<Tombstone['reason'], 'deregistered' | 'deleted'>;

/** A renewed lease: the instance as stored now, and its service's definition. */
export interface Renewal {
  instance: Instance;
  definition: ServiceDefinition;
}

/** One heartbeat waiting for its batch. */
interface HeartbeatCall {
  service: string;
  instanceId: string;
  nowMs: number;
  /** The instance's own health, when the heartbeat carried it. */
  selfHealth: SelfHealth | undefined;
}

/** One registration waiting for its batch. */
interface RegisterCall {
  instance: Instance;
  definition: ServiceDefinition;
  leaseDeadlineMs: number;
  nowMs: number;
  allowOverlap: boolean;
}

/**
 * Registrations confirmed by replicas before they are acknowledged (REGISTRY_REDIS_MIN_REPLICAS_ACK):
 * after each register.lua batch, `WAIT replicas timeoutMs` on `redis`, a connection of its own
 * (WAIT holds the connection it runs on; heartbeats must not queue behind it).
 */
export interface ReplicaAck {
  redis: Redis;
  replicas: number;
  timeoutMs: number;
}

/** Default of REGISTRY_TOMBSTONE_SECONDS. */
export const DEFAULT_TOMBSTONE_SECONDS = 300;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Redis storage of instances, services, prefixes and the change log (consumers:
 * consumers/store.ts). Every write that
 * touches more than one key runs as one Lua script (registry/lua/), so readers never see half a
 * change and the revision always moves with the data.
 */
export class RedisInstanceRepository {
  readonly keys: RegistryKeys;
  /** How long a removal's tombstone is kept (REGISTRY_TOMBSTONE_SECONDS), in ms. */
  private readonly tombstoneMs: number;

  /** Heartbeats waiting for the end of this event-loop turn, sent as one script call. */
  private readonly heartbeats: Coalescer<HeartbeatCall, Renewal | null>;
  /** Registrations waiting likewise, sent as one register.lua call. */
  private readonly registrations: Coalescer<RegisterCall, RegisterResult>;

  constructor(
    readonly redis: Redis,
    keyPrefix: string,
    /** Approximate cap of the event stream (REGISTRY_EVENTS_MAXLEN). */
    readonly eventsMaxLen: number,
    tombstoneSeconds = DEFAULT_TOMBSTONE_SECONDS,
    /**
     * Most heartbeats (or registrations) per Redis call (REGISTRY_REDIS_BATCH_MAX); 1 sends each
     * on its own.
     */
    batchMax = DEFAULT_REDIS_BATCH_MAX,
    /** Off by default: replication stays asynchronous (see {@link ReplicaAck}). */
    private readonly replicaAck?: ReplicaAck,
  ) {
    this.keys = new RegistryKeys(keyPrefix);
    this.tombstoneMs = tombstoneSeconds * 1000;
    this.heartbeats = new Coalescer(this.sendHeartbeats, batchMax);
    // With replica acks, one batch at a time (group commit): its WAIT holds the connection for a
    // replica round trip, and what arrives meanwhile shares the next batch and the next WAIT.
    this.registrations = new Coalescer(this.sendRegistrations, batchMax, replicaAck !== undefined);
  }

  /**
   * Stores (or refreshes) an instance and the service definition it carries. Registrations of one
   * event-loop turn share a round trip, like heartbeats: one register.lua call for up to
   * REGISTRY_REDIS_BATCH_MAX of them, each applied as if alone, in order (./coalescer.ts).
   */
  register(
    instance: Instance,
    definition: ServiceDefinition,
    leaseDeadlineMs: number,
    nowMs: number,
    allowOverlap = false,
  ): Promise<RegisterResult> {
    return this.registrations.add({ instance, definition, leaseDeadlineMs, nowMs, allowOverlap });
  }

  /** One register.lua call for a batch of registrations (KEYS/ARGV layout: see the script). */
  private readonly sendRegistrations = async (
    batch: readonly RegisterCall[],
  ): Promise<(RegisterResult | Error)[]> => {
    const k = this.keys;
    const keys: string[] = [
      k.leases,
      k.prefixes,
      k.services,
      k.revision,
      k.events,
      k.prefixIndex,
      k.schema,
    ];
    const args: (string | number)[] = [];
    for (const { instance, definition, leaseDeadlineMs, nowMs, allowOverlap } of batch) {
      const { service, instanceId } = instance;
      keys.push(k.instances(service), k.definition(service));
      args.push(
        service,
        instanceId,
        JSON.stringify(instance),
        JSON.stringify(definition),
        // Its prefixes, space-separated (no prefix holds a space); "" for a route-less service,
        // which claims none (register.lua).
        servicePrefixes(definition).join(' '),
        k.leaseMember(service, instanceId),
        leaseDeadlineMs,
        nowMs,
        this.eventsMaxLen,
        iso(nowMs),
        allowOverlap ? '1' : '0',
      );
    }
    const ack = this.replicaAck;
    const replies = (await SCRIPTS.register.run(ack?.redis ?? this.redis, keys, args)) as (
      [string, string, number | string | undefined, string?] | Error
    )[];
    const shortfall = ack ? await replicaShortfall(ack) : undefined;
    return replies.map((reply): RegisterResult | Error => {
      // This registration's own failure, classified as a failed script call is (scripts.ts).
      if (reply instanceof Error) return asError(fromRedisFailure(reply));
      if (reply[0] === 'conflict') {
        return {
          ok: false,
          owner: reply[1],
          ownedPrefix: String(reply[2]),
          wanted: String(reply[3]),
        };
      }
      // Stored on the master, not confirmed by enough replicas: not acknowledged (a conflict
      // above wrote nothing, so it needs no confirmation).
      if (shortfall) return shortfall;
      return {
        ok: true,
        instance: parseInstance(reply[1]),
        revision: Number(reply[2]),
        eventType: reply[3] as RegistryEventType,
      };
    });
  };

  /**
   * Renews a live lease to `nowMs` + the instance's stored TTL (leaseDeadline's math, done inside
   * the script so a heartbeat is one round trip); null when the lease is gone (expired, even if
   * not yet reaped, or never existed). Heartbeats of one event-loop turn share that round trip:
   * they go to Redis as one heartbeat.lua call (up to REGISTRY_REDIS_BATCH_MAX of them), each
   * renewed as if alone and answered with its own reply or error (./coalescer.ts).
   */
  heartbeat(
    service: string,
    instanceId: string,
    nowMs: number,
    selfHealth?: SelfHealth,
  ): Promise<Renewal | null> {
    return this.heartbeats.add({ service, instanceId, nowMs, selfHealth });
  }

  /** One heartbeat.lua call for a batch of heartbeats (KEYS/ARGV layout: see the script). */
  private readonly sendHeartbeats = async (
    batch: readonly HeartbeatCall[],
  ): Promise<(Renewal | null | Error)[]> => {
    const k = this.keys;
    const keys: string[] = [k.leases, k.schema, k.revision, k.events];
    const args: (string | number)[] = [];
    for (const { service, instanceId, nowMs, selfHealth } of batch) {
      keys.push(k.instances(service), k.definition(service));
      args.push(
        service,
        instanceId,
        k.leaseMember(service, instanceId),
        nowMs,
        iso(nowMs),
        selfHealth ? JSON.stringify(selfHealth) : '',
      );
    }
    args.push(this.eventsMaxLen);
    const replies = (await SCRIPTS.heartbeat.run(this.redis, keys, args)) as (
      [string, string] | null | Error
    )[];
    return replies.map((reply) => {
      if (reply === null) return null;
      // This heartbeat's own failure, classified as a failed script call is (scripts.ts).
      if (reply instanceof Error) return asError(fromRedisFailure(reply));
      return {
        instance: parseInstance(reply[0]),
        definition: parseDefinition(reply[1]),
      };
    });
  };

  /**
   * Removes an instance now, leaving a tombstone with `reason`; null when there was none.
   */
  async deregister(
    service: string,
    instanceId: string,
    nowMs: number,
    reason: DeleteReason = 'deregistered',
  ): Promise<number | null> {
    const k = this.keys;
    const reply = (await SCRIPTS.deregister.run(
      this.redis,
      [...k.membershipKeys(service), k.tombstones, k.tombstoneTimes, k.schema],
      [
        service,
        instanceId,
        k.leaseMember(service, instanceId),
        this.eventsMaxLen,
        iso(nowMs),
        reason,
        nowMs,
        this.tombstoneMs,
      ],
    )) as number | null;
    return reply === null ? null : Number(reply);
  }

  /** Marks an instance draining until `drainUntilMs`; null when there is none. */
  async drain(
    service: string,
    instanceId: string,
    nowMs: number,
    drainUntilMs: number,
  ): Promise<Instance | null> {
    const k = this.keys;
    const reply = (await SCRIPTS.drain.run(
      this.redis,
      [k.instances(service), k.leases, k.revision, k.events, k.schema],
      [
        service,
        instanceId,
        k.leaseMember(service, instanceId),
        drainUntilMs,
        iso(drainUntilMs),
        this.eventsMaxLen,
        iso(nowMs),
      ],
    )) as string | null;
    return reply ? parseInstance(reply) : null;
  }

  /** Records Kong's health of an instance; null when there is no such instance. */
  async reportGatewayHealth(
    service: string,
    instanceId: string,
    status: GatewayHealthStatus,
    nowMs: number,
  ): Promise<Instance | null> {
    const k = this.keys;
    const reply = (await SCRIPTS.gatewayHealth.run(
      this.redis,
      [k.instances(service), k.revision, k.events, k.schema],
      [service, instanceId, status, iso(nowMs), this.eventsMaxLen],
    )) as string | null;
    return reply ? parseInstance(reply) : null;
  }

  /**
   * Removes up to `batchSize` instances whose deadline passed, each with a tombstone, and prunes
   * tombstones past their retention; returns "svc/id/reason" rows.
   */
  async reap(nowMs: number, batchSize: number): Promise<string[]> {
    const k = this.keys;
    return (await SCRIPTS.reap.run(
      this.redis,
      [
        k.leases,
        k.prefixes,
        k.services,
        k.revision,
        k.events,
        k.prefixIndex,
        k.tombstones,
        k.tombstoneTimes,
        k.schema,
      ],
      [k.servicePrefix, nowMs, batchSize, this.eventsMaxLen, iso(nowMs), this.tombstoneMs],
    )) as string[];
  }

  /**
   * Everything, read in one atomic script. Consumers (with secrets) only when asked; tombstones
   * only with `tombstonesAt` (now, ms): those of the retention period before it. With
   * `onlyServices`, just those services and their tombstones.
   */
  async snapshot(
    includeConsumers: boolean,
    tombstonesAt?: number,
    onlyServices: readonly string[] = [],
  ): Promise<RawSnapshot> {
    const k = this.keys;
    const [revision, lastEventId, rows, consumerRows, tombstoneRows] = (await SCRIPTS.snapshot.run(
      this.redis,
      [k.services, k.revision, k.events, k.consumers, k.tombstones, k.tombstoneTimes],
      [
        k.servicePrefix,
        includeConsumers ? '1' : '0',
        tombstonesAt === undefined ? '' : tombstonesAt - this.tombstoneMs,
        ...onlyServices,
      ],
    )) as [number, string, [string, string, string[]][], string[], string[]];
    return {
      revision: Number(revision),
      lastEventId: lastEventId === '' ? null : lastEventId,
      services: rows.map(([name, definition, instances]) => ({
        name,
        definition: parseDefinition(definition),
        instances: instances.map(parseInstance).sort(byInstanceId),
      })),
      consumers: consumerRows
        .map((row) => JSON.parse(row) as Consumer)
        .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)),
      tombstones: tombstoneRows.map(parseTombstone).sort((a, b) => a.revision - b.revision),
    };
  }

  /** One service with its instances, or null when it has none. */
  async getService(service: string): Promise<ServiceView | null> {
    const k = this.keys;
    const results = await this.redis
      .multi()
      .get(k.definition(service))
      .hvals(k.instances(service))
      .exec();
    if (!results) return null;
    const [[defErr, definition], [instErr, instances]] = results as [
      [Error | null, string | null],
      [Error | null, string[]],
    ];
    if (defErr) throw defErr;
    if (instErr) throw instErr;
    if (!definition || instances.length === 0) return null;
    return {
      name: service,
      definition: parseDefinition(definition),
      instances: instances.map(parseInstance).sort(byInstanceId),
    };
  }

  /** The stored-data format stamp as stored (null: none), for /readyz and the schema watch. */
  async schemaStamp(): Promise<string | null> {
    return this.redis.hget(this.keys.schema, 'version').catch(rejectAsRedisFailure);
  }
}

/**
 * WAITs for the configured replicas on the connection that ran the batch (WAIT covers that
 * connection's writes); undefined when enough confirmed, else the error each write answers with.
 */
async function replicaShortfall({
  redis,
  replicas,
  timeoutMs,
}: ReplicaAck): Promise<RegistryError | undefined> {
  const confirmed = Number(await redis.wait(replicas, timeoutMs).catch(rejectAsRedisFailure));
  if (confirmed >= replicas) return undefined;
  return new RegistryError(
    'REG_ERR_NOT_REPLICATED',
    `stored on the Redis master, but ${confirmed} of ${replicas} replica(s) confirmed it within ${timeoutMs} ms (REGISTRY_REDIS_MIN_REPLICAS_ACK): retry, the registration is idempotent`,
    { headers: { 'Retry-After': '1' } },
  );
}

/** What fromRedisFailure gives, as an Error (it passes Redis's own ReplyErrors on as they are). */
function asError(failure: unknown): Error {
  return failure instanceof Error ? failure : new Error(String(failure));
}
