/**
 * The instance use cases: register, heartbeat, deregister or drain, and the control plane's
 * gateway-health report. Every entry point (the Express routes and the hot lane in front of them,
 * see registry/src/http/server.ts) calls these, so scope, rate limit, validation, target policy,
 * log lines and metrics are coded once. No HTTP here: inputs are plain values, refusals are
 * RegistryErrors that the HTTP layer turns into replies.
 */
import { z } from 'zod';
import { servicePrefixes, type Instance, type LeaseReply } from '@kong-registry/sdk';
import type { VerifiedToken } from '../auth/jwt';
import { assertAdmin, assertServiceScope } from '../auth/scope';
import type { RegistryConfig } from '../config';
import { RegistryError } from '../errors';
import type { Logger } from '../logger';
import type { RegistryMetrics } from '../metrics';
import { TokenBuckets, takeOrThrow } from '../auth/rate-limit';
import {
  drainDeadline,
  effectiveTtl,
  heartbeatIntervalSeconds,
  leaseDeadline,
  type Clock,
} from './lease';
import type { RedisInstanceRepository } from './repository';
import { TargetPolicy } from './target-policy';
import {
  createRegisterSchema,
  gatewayHealthSchema,
  heartbeatBodySchema,
  INSTANCE_ID,
  instanceIdSchema,
  parseOrThrow,
  prefixAllowed,
  reservedBy,
  resolveDefinition,
  SERVICE_NAME,
  serviceNameSchema,
} from './validation';

const pathSchema = z.object({ service: serviceNameSchema, instanceId: instanceIdSchema });
/** `?drain=`: how a removal asks for a drain. */
const removeQuerySchema = z.strictObject({ drain: z.enum(['true', 'false', '1', '0']).optional() });

/**
 * The service and instance id of a path: the plain case by the two patterns alone (the hot
 * heartbeat path pays no schema), anything else through the schema for its detailed error.
 */
function parsePath(service: unknown, instanceId: unknown): { service: string; instanceId: string } {
  if (
    typeof service === 'string' &&
    typeof instanceId === 'string' &&
    SERVICE_NAME.test(service) &&
    INSTANCE_ID.test(instanceId)
  ) {
    return { service, instanceId };
  }
  return parseOrThrow(pathSchema, { service, instanceId }, 'path');
}

/** One registration as an entry point hands it over. */
export interface RegisterInput {
  /** Path parameters as routed (checked here, after the rate limit). */
  service: unknown;
  instanceId: unknown;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
  /** Verified: its subject keys the rate limit. */
  token: VerifiedToken;
  /** The caller's address, asked only when the body names no host or source binding is on. */
  callerAddress(): string;
}

/** Status and body of a successful registration. */
export interface RegisterOutcome {
  status: 200 | 201;
  reply: LeaseReply;
}

/** What a removal did: 202 with the draining instance, or 204. */
export type RemoveOutcome = { status: 202; instance: Instance } | { status: 204 };

/** What the service needs; every piece with I/O is passed in. */
export interface InstanceServiceDeps {
  config: RegistryConfig;
  repository: RedisInstanceRepository;
  clock: Clock;
  metrics: RegistryMetrics;
  logger: Logger;
}

const notFound = (service: string, instanceId: string): RegistryError =>
  new RegistryError('REG_ERR_INSTANCE_NOT_FOUND', `no instance ${service}/${instanceId}`);

/** Built once per app: the rate-limit buckets, schema and target-policy caches are shared. */
export class InstanceService {
  private readonly registerSchema;
  private readonly buckets: TokenBuckets;
  private readonly targets: TargetPolicy;
  private readonly log: Logger;

  constructor(private readonly deps: InstanceServiceDeps) {
    const { config, clock } = deps;
    this.registerSchema = createRegisterSchema(config.lease);
    this.buckets = new TokenBuckets(config.rateLimit.perSecond, config.rateLimit.burst, clock);
    this.targets = new TargetPolicy({
      denied: config.deniedTargets,
      ...(config.allowedTargets && { allowed: config.allowedTargets }),
    });
    this.log = deps.logger.child({ component: 'instances' });
  }

  /**
   * `PUT /v1/services/:service/instances/:instanceId`: scope, rate limit, validation, reserved
   * and allowed prefixes, target policy, then the atomic register script (with a reap and one
   * retry on a prefix conflict), its log line and metric.
   */
  async register(input: RegisterInput): Promise<RegisterOutcome> {
    // Fields are read one by one: an object rest (`{ body, ...path }`) here took V8's slow copy
    // path and showed in the registration's CPU profile (bench/profiles/registry-throughput.md).
    const { config, repository, clock, metrics } = this.deps;
    const { token, callerAddress } = input;
    assertServiceScope(token, input.service);
    takeOrThrow(this.buckets, token.subject);
    const { service, instanceId } = parsePath(input.service, input.instanceId);
    const body = parseOrThrow(this.registerSchema, input.body ?? {}, 'registration');
    const definition = resolveDefinition(service, body);
    // A route-less service claims no prefix, so the prefix rules have nothing to check.
    for (const prefix of servicePrefixes(definition)) {
      const reserved = reservedBy(prefix, config.reservedPrefixes);
      if (reserved !== undefined) {
        throw new RegistryError(
          'REG_ERR_PREFIX_RESERVED',
          `prefix ${prefix} is reserved on the gateway (${reserved}); pick another`,
          { details: [{ path: 'prefix', message: `reserved: ${reserved}` }] },
        );
      }
      if (token.role !== 'admin' && !prefixAllowed(prefix, token.prefixes)) {
        throw new RegistryError(
          'REG_ERR_FORBIDDEN',
          `this token may not claim prefix ${prefix} (allowed: ${(token.prefixes ?? []).join(', ')})`,
        );
      }
    }
    const host = await this.targets.check(body.host ?? callerAddress(), body.port, {
      ...(token.targetRules && { tokenTargets: token.targetRules }),
      // Admin tokens register on others' behalf (the agent, operators): never bound.
      ...(config.bindSource && token.role !== 'admin' && { boundTo: callerAddress() }),
    });
    const now = clock();
    const ttlSeconds = effectiveTtl(body.ttlSeconds, config.lease.defaultTtlSeconds);
    const deadline = leaseDeadline(now, ttlSeconds);
    const nowIso = new Date(now).toISOString();
    const instance: Instance = {
      service,
      instanceId,
      host,
      port: body.port,
      protocol: definition.protocol,
      version: body.version ?? null,
      weight: body.weight ?? 100,
      metadata: body.metadata ?? {},
      ttlSeconds,
      registeredAt: nowIso,
      lastHeartbeatAt: nowIso,
      leaseExpiresAt: new Date(deadline).toISOString(),
      draining: false,
      drainUntil: null,
      gatewayHealth: null,
      labels: body.labels ?? {},
      selfHealth: null,
    };
    // Admins may nest one service's prefix in another's on purpose; services may not, since
    // Kong's longest-prefix match would hand one service's traffic to the other.
    const allowOverlap = token.role === 'admin';
    let result = await repository.register(instance, definition, deadline, now, allowOverlap);
    if (!result.ok) {
      // The owner may be dead with its expiry not yet reaped: reap what is due, then retry once,
      // so a prefix is only refused while its owner really lives.
      if ((await repository.reap(now, config.reaper.batchSize)).length > 0) {
        result = await repository.register(instance, definition, deadline, now, allowOverlap);
      }
    }
    if (!result.ok) {
      const { owner, ownedPrefix, wanted } = result;
      const message =
        ownedPrefix === wanted
          ? `prefix ${wanted} belongs to service '${owner}'`
          : `prefix ${wanted} nests with ${ownedPrefix} of service '${owner}' (Kong sends a nested prefix's requests to the longer one, so one would take part of the other's traffic; an admin token may nest prefixes on purpose)`;
      throw new RegistryError('REG_ERR_PREFIX_CONFLICT', message, {
        details: [{ path: 'prefix', message: `nests with service '${owner}' (${ownedPrefix})` }],
      });
    }
    const created = result.eventType === 'instance.registered';
    metrics.registrations.inc({ kind: created ? 'registered' : 'updated' });
    this.log.info(
      {
        service,
        instanceId,
        host: instance.host,
        port: instance.port,
        revision: result.revision,
        created,
      },
      created ? 'instance registered' : 'instance refreshed',
    );
    return {
      status: created ? 201 : 200,
      reply: {
        instance: result.instance,
        leaseExpiresAt: result.instance.leaseExpiresAt,
        heartbeatIntervalSeconds: heartbeatIntervalSeconds(ttlSeconds),
        definition,
      },
    };
  }

  /**
   * Renews an instance's lease; REG_ERR_LEASE_NOT_FOUND when there is no live lease. One round
   * trip: the script renews by the stored TTL. `body` is the request body, if any: `{}`, or
   * `{health}`, the instance's own health, stored with it.
   */
  async heartbeat(
    token: VerifiedToken,
    path: { service: unknown; instanceId: unknown },
    body?: unknown,
  ): Promise<LeaseReply> {
    const { repository, clock, metrics } = this.deps;
    assertServiceScope(token, path.service);
    const { service, instanceId } = parsePath(path.service, path.instanceId);
    const health =
      body === undefined
        ? undefined
        : parseOrThrow(heartbeatBodySchema, body, 'heartbeat body')?.health;
    const now = clock();
    const renewed = await repository.heartbeat(
      service,
      instanceId,
      now,
      health && {
        status: health.status,
        detail: health.detail ?? null,
        reportedAt: new Date(now).toISOString(),
      },
    );
    if (!renewed) {
      metrics.heartbeats.inc({ result: 'lease_not_found' });
      throw new RegistryError(
        'REG_ERR_LEASE_NOT_FOUND',
        `no live lease for ${service}/${instanceId}: register again`,
      );
    }
    metrics.heartbeats.inc({ result: 'renewed' });
    return {
      instance: renewed.instance,
      leaseExpiresAt: renewed.instance.leaseExpiresAt,
      heartbeatIntervalSeconds: heartbeatIntervalSeconds(renewed.instance.ttlSeconds),
      definition: renewed.definition,
    };
  }

  /**
   * Deregisters at once, or with `?drain=true` keeps the instance at weight 0 until its deadline.
   * `query` is the request's query (`{ drain?: 'true' | 'false' | '1' | '0' }`).
   */
  async remove(
    token: VerifiedToken,
    path: { service: unknown; instanceId: unknown },
    query: unknown,
  ): Promise<RemoveOutcome> {
    const { config, repository, clock } = this.deps;
    assertServiceScope(token, path.service);
    const { service, instanceId } = parsePath(path.service, path.instanceId);
    const { drain } = parseOrThrow(removeQuerySchema, query, 'query');
    const now = clock();
    if (drain === 'true' || drain === '1') {
      const drainUntil = drainDeadline(now, config.lease.drainSeconds);
      const instance = await repository.drain(service, instanceId, now, drainUntil);
      if (!instance) throw notFound(service, instanceId);
      this.log.info({ service, instanceId, drainUntil: instance.drainUntil }, 'instance draining');
      return { status: 202, instance };
    }
    // The tombstone tells the control plane's guard this was deliberate, and by whom.
    const reason = token.role === 'admin' ? 'deleted' : 'deregistered';
    const revision = await repository.deregister(service, instanceId, now, reason);
    if (revision === null) throw notFound(service, instanceId);
    this.log.info({ service, instanceId, revision }, 'instance deregistered');
    return { status: 204 };
  }

  /** The control plane's report of Kong's health of one target (admin tokens only). */
  async reportGatewayHealth(
    token: VerifiedToken,
    path: { service: unknown; instanceId: unknown },
    body: unknown,
  ): Promise<Instance> {
    const { repository, clock } = this.deps;
    assertAdmin(token);
    const { service, instanceId } = parsePath(path.service, path.instanceId);
    const { status } = parseOrThrow(gatewayHealthSchema, body ?? {}, 'gateway health');
    const instance = await repository.reportGatewayHealth(service, instanceId, status, clock());
    if (!instance) throw notFound(service, instanceId);
    return instance;
  }
}
