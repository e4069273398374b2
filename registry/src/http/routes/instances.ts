import { Router, type Request } from 'express';
import { deniedBy } from '../../instances/target-policy';
import { z } from 'zod';
import type { Instance, LeaseReply } from '@kong-registry/sdk';
import { RegistryError } from '../../errors';
import {
  drainDeadline,
  heartbeatIntervalSeconds,
  leaseDeadline,
  effectiveTtl,
} from '../../instances/lease';
import {
  createRegisterSchema,
  instanceIdSchema,
  parseOrThrow,
  prefixAllowed,
  reservedBy,
  resolveDefinition,
  serviceNameSchema,
} from '../../instances/validation';
import type { AppDeps } from '../deps';
import { HEARTBEAT_ROUTE, renewLease } from '../heartbeat';
import { rateLimitPerToken, TokenBuckets } from '../middleware/rate-limit';
import { requireAdmin, requireServiceScope, tokenOf } from '../middleware/auth';

const paramsSchema = z.object({ service: serviceNameSchema, instanceId: instanceIdSchema });
const heartbeatSchema = z.strictObject({}).optional();
const deleteQuerySchema = z.strictObject({ drain: z.enum(['true', 'false', '1', '0']).optional() });
/** Body of `PUT .../gateway-health`. */
export const gatewayHealthSchema = z.strictObject({
  status: z
    .enum(['HEALTHY', 'UNHEALTHY', 'HEALTHCHECKS_OFF', 'DNS_ERROR', 'UNKNOWN'])
    .describe("Kong's health of the target (GET /upstreams/{u}/health)"),
});

/** The caller's IP, without the IPv4-mapped IPv6 prefix. */
function callerAddress(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Register, heartbeat, deregister/drain and the control plane's gateway-health report. Service
 * tokens may only touch their own service; admin tokens any.
 */
export function instanceRoutes(deps: AppDeps): Router {
  const { config, repository, clock, metrics, logger } = deps;
  const router = Router({ mergeParams: true });
  const registerSchema = createRegisterSchema(config.lease);
  const buckets = new TokenBuckets(config.rateLimit.perSecond, config.rateLimit.burst, clock);
  const log = logger.child({ component: 'instances' });

  router.put(
    '/v1/services/:service/instances/:instanceId',
    requireServiceScope,
    rateLimitPerToken(buckets),
    async (req, res) => {
      const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
      const body = parseOrThrow(registerSchema, req.body ?? {}, 'registration');
      const definition = resolveDefinition(service, body);
      const reserved = reservedBy(definition.prefix, config.reservedPrefixes);
      if (reserved !== undefined) {
        throw new RegistryError(
          'REG_ERR_PREFIX_RESERVED',
          `prefix ${definition.prefix} is reserved on the gateway (${reserved}); pick another`,
          {
            details: [{ path: 'prefix', message: `reserved: ${reserved}` }],
          },
        );
      }
      const token = tokenOf(res);
      if (token.role !== 'admin' && !prefixAllowed(definition.prefix, token.prefixes)) {
        throw new RegistryError(
          'REG_ERR_FORBIDDEN',
          `this token may not claim prefix ${definition.prefix} (allowed: ${(token.prefixes ?? []).join(', ')})`,
        );
      }
      const host = body.host ?? callerAddress(req);
      const denied = deniedBy(config.deniedTargets, host, body.port);
      if (denied !== undefined) {
        throw new RegistryError(
          'REG_ERR_TARGET_DENIED',
          `${host}:${body.port} may not be a Kong target (REGISTRY_DENIED_TARGETS: ${denied.raw})`,
          { details: [{ path: 'host', message: `denied by ${denied.raw}` }] },
        );
      }
      const now = clock();
      const ttlSeconds = effectiveTtl(body.ttlSeconds, config.lease.defaultTtlSeconds);
      const deadline = leaseDeadline(now, ttlSeconds);
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
        registeredAt: new Date(now).toISOString(),
        lastHeartbeatAt: new Date(now).toISOString(),
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
      const reply: LeaseReply = {
        instance: result.instance,
        leaseExpiresAt: result.instance.leaseExpiresAt,
        heartbeatIntervalSeconds: heartbeatIntervalSeconds(ttlSeconds),
        definition,
      };
      res.status(created ? 201 : 200).json(reply);
    },
  );

  router.put(HEARTBEAT_ROUTE, requireServiceScope, async (req, res) => {
    const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
    parseOrThrow(heartbeatSchema, req.body, 'heartbeat body');
    res.status(200).json(await renewLease(deps, service, instanceId));
  });

  router.delete(
    '/v1/services/:service/instances/:instanceId',
    requireServiceScope,
    async (req, res) => {
      const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
      const query = parseOrThrow(deleteQuerySchema, req.query, 'query');
      const now = clock();
      if (query.drain === 'true' || query.drain === '1') {
        const drainUntil = drainDeadline(now, config.lease.drainSeconds);
        const instance = await repository.drain(service, instanceId, now, drainUntil);
        if (!instance)
          throw new RegistryError(
            'REG_ERR_INSTANCE_NOT_FOUND',
            `no instance ${service}/${instanceId}`,
          );
        log.info({ service, instanceId, drainUntil: instance.drainUntil }, 'instance draining');
        res.status(202).json({ instance });
        return;
      }
      const revision = await repository.deregister(service, instanceId, now);
      if (revision === null)
        throw new RegistryError(
          'REG_ERR_INSTANCE_NOT_FOUND',
          `no instance ${service}/${instanceId}`,
        );
      log.info({ service, instanceId, revision }, 'instance deregistered');
      res.status(204).end();
    },
  );

  router.put(
    '/v1/services/:service/instances/:instanceId/gateway-health',
    requireAdmin,
    async (req, res) => {
      const { service, instanceId } = parseOrThrow(paramsSchema, req.params, 'path');
      const { status } = parseOrThrow(gatewayHealthSchema, req.body ?? {}, 'gateway health');
      const instance = await repository.reportGatewayHealth(service, instanceId, status, clock());
      if (!instance)
        throw new RegistryError(
          'REG_ERR_INSTANCE_NOT_FOUND',
          `no instance ${service}/${instanceId}`,
        );
      res.status(200).json({ instance });
    },
  );

  return router;
}
