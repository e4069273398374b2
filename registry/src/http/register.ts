import { z } from 'zod';
import type { Instance, LeaseReply } from '@kong-registry/sdk';
import type { VerifiedToken } from '../auth/jwt';
import { RegistryError } from '../errors';
import { effectiveTtl, heartbeatIntervalSeconds, leaseDeadline } from '../instances/lease';
import { TargetPolicy } from '../instances/target-policy';
import {
  createRegisterSchema,
  instanceIdSchema,
  parseOrThrow,
  prefixAllowed,
  reservedBy,
  resolveDefinition,
  serviceNameSchema,
} from '../instances/validation';
import type { AppDeps } from './deps';
import { TokenBuckets, takeOrThrow } from './middleware/rate-limit';

/** The register route, as Express declares it and as metrics label it. */
export const REGISTER_ROUTE = '/v1/services/:service/instances/:instanceId';

const pathSchema = z.object({ service: serviceNameSchema, instanceId: instanceIdSchema });

/** A caller's IP without the IPv4-mapped IPv6 prefix (loopback when the socket has none). */
export function plainAddress(address: string | undefined): string {
  const ip = address ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** One registration as both entry points (Express route, fast path) hand it over. */
export interface RegisterInput {
  /** Path parameters as routed (checked here, after the rate limit, as the route always did). */
  service: unknown;
  instanceId: unknown;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
  token: VerifiedToken;
  /** The raw bearer token: its signature keys the rate limit. */
  rawToken: string;
  /** The caller's address, asked only when the body names no host. */
  callerAddress(): string;
}

/** Status and body of a successful registration. */
export interface RegisterOutcome {
  status: 200 | 201;
  reply: LeaseReply;
}

/** Registers one instance; throws a RegistryError for every refusal. */
export type Registrar = (input: RegisterInput) => Promise<RegisterOutcome>;

/**
 * The one implementation of `PUT /v1/services/:service/instances/:instanceId` after routing and
 * body parsing: rate limit, validation, reserved and allowed prefixes, target policy, the
 * atomic register script (with a reap and one retry on a prefix conflict), the registration's
 * log line and metric. Built once per app, so the schema, the rate-limit buckets and the
 * target-policy verdicts are shared by the Express route and the register fast path.
 */
export function createRegistrar(deps: AppDeps): Registrar {
  const { config, repository, clock, metrics, logger } = deps;
  const registerSchema = createRegisterSchema(config.lease);
  const buckets = new TokenBuckets(config.rateLimit.perSecond, config.rateLimit.burst, clock);
  const targets = new TargetPolicy({
    denied: config.deniedTargets,
    ...(config.allowedTargets && { allowed: config.allowedTargets }),
    clock,
  });
  const log = logger.child({ component: 'instances' });

  return async ({ body: rawBody, token, rawToken, callerAddress, ...path }) => {
    takeOrThrow(buckets, rawToken);
    const { service, instanceId } = parseOrThrow(pathSchema, path, 'path');
    const body = parseOrThrow(registerSchema, rawBody ?? {}, 'registration');
    const definition = resolveDefinition(service, body);
    const reserved = reservedBy(definition.prefix, config.reservedPrefixes);
    if (reserved !== undefined) {
      throw new RegistryError(
        'REG_ERR_PREFIX_RESERVED',
        `prefix ${definition.prefix} is reserved on the gateway (${reserved}); pick another`,
        { details: [{ path: 'prefix', message: `reserved: ${reserved}` }] },
      );
    }
    if (token.role !== 'admin' && !prefixAllowed(definition.prefix, token.prefixes)) {
      throw new RegistryError(
        'REG_ERR_FORBIDDEN',
        `this token may not claim prefix ${definition.prefix} (allowed: ${(token.prefixes ?? []).join(', ')})`,
      );
    }
    const host = await targets.check(body.host ?? callerAddress(), body.port, {
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
      const { owner, ownedPrefix } = result;
      const message =
        ownedPrefix === definition.prefix
          ? `prefix ${definition.prefix} belongs to service '${owner}'`
          : `prefix ${definition.prefix} overlaps ${ownedPrefix} of service '${owner}' (Kong matches prefixes as plain strings, so one would take the other's traffic)`;
      throw new RegistryError('REG_ERR_PREFIX_CONFLICT', message, {
        details: [{ path: 'prefix', message: `overlaps service '${owner}' (${ownedPrefix})` }],
      });
    }
    const created = result.eventType === 'instance.registered';
    metrics.registrations.inc({ kind: created ? 'registered' : 'updated' });
    log.info(
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
  };
}
