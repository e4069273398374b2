import { Router } from 'express';
import {
  STATE_SCOPE_MAX_SERVICES,
  type Consumer,
  type Credential,
  type Instance,
  type RouteRow,
  type ServiceView,
  type StateSnapshot,
} from '@kong-registry/sdk';
import { RegistryError } from '../../errors';
import { parseOrThrow, serviceNameSchema } from '../../instances/validation';
import type { AppDeps } from '../deps';
import { requireAdmin } from '../middleware/auth';

/** Instances Kong should send traffic to: not draining, and not reported down by Kong. */
export function isInstanceHealthy(instance: Instance): boolean {
  if (instance.draining) return false;
  const status = instance.gatewayHealth?.status;
  return status !== 'UNHEALTHY' && status !== 'DNS_ERROR';
}

/** The prefix table, sorted by prefix. */
export function buildRouteTable(services: ServiceView[]): RouteRow[] {
  return services
    .map((s) => ({
      prefix: s.definition.prefix,
      service: s.name,
      auth: s.definition.auth,
      stripPrefix: s.definition.stripPrefix,
      instances: s.instances.length,
      healthyInstances: s.instances.filter(isInstanceHealthy).length,
    }))
    .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

/** A credential without its secret (key-auth key, HS256 secret). */
export function withoutSecret(credential: Credential): Credential {
  if (credential.type === 'key-auth')
    return { id: credential.id, type: credential.type, createdAt: credential.createdAt };
  const { secret: _secret, ...rest } = credential;
  return rest;
}

/** A consumer as listed anywhere but `GET /v1/state`. */
export function withoutSecrets(consumer: Consumer): Consumer {
  return { ...consumer, credentials: consumer.credentials.map(withoutSecret) };
}

/**
 * The services `?service=` names (repeated, or comma-separated), sorted and unique; undefined
 * without the parameter (the whole state).
 */
function stateScope(query: unknown): string[] | undefined {
  if (query === undefined) return undefined;
  const raw = (Array.isArray(query) ? query : [query]).flatMap((value) =>
    typeof value === 'string' ? value.split(',') : [value],
  );
  const names = raw.map((value) => parseOrThrow(serviceNameSchema, value, 'service name'));
  const unique = [...new Set(names)].sort();
  if (unique.length > STATE_SCOPE_MAX_SERVICES)
    throw new RegistryError(
      'REG_ERR_VALIDATION',
      `invalid service: at most ${STATE_SCOPE_MAX_SERVICES} services per scoped read (got ${unique.length}); leave out ?service= to read them all`,
    );
  return unique;
}

/**
 * Read API. `/v1/services*`, `/v1/routes` and `/v1/events` accept any valid token (admin or
 * service); `/v1/state` is admin-only because it carries credential secrets.
 */
export function serviceRoutes(deps: AppDeps): Router {
  const { repository, clock } = deps;
  const router = Router();

  router.get('/v1/services', async (_req, res) => {
    const snapshot = await repository.snapshot(false);
    res.json({ revision: snapshot.revision, services: snapshot.services });
  });

  router.get('/v1/services/:service', async (req, res) => {
    const service = parseOrThrow(serviceNameSchema, req.params.service, 'service name');
    const view = await repository.getService(service);
    if (!view)
      throw new RegistryError(
        'REG_ERR_SERVICE_NOT_FOUND',
        `no live instances of service '${service}'`,
      );
    res.json(view);
  });

  router.get('/v1/routes', async (_req, res) => {
    const snapshot = await repository.snapshot(false);
    res.json({ revision: snapshot.revision, routes: buildRouteTable(snapshot.services) });
  });

  router.get('/v1/state', requireAdmin, async (req, res) => {
    const scope = stateScope(req.query.service);
    // One clock read: the tombstones' retention ends at generatedAt, which their `at` is against.
    const now = clock();
    const snapshot = await repository.snapshot(scope === undefined, now, scope);
    const body: StateSnapshot = {
      revision: snapshot.revision,
      generatedAt: new Date(now).toISOString(),
      lastEventId: snapshot.lastEventId,
      services: snapshot.services,
      consumers: snapshot.consumers,
      tombstones: snapshot.tombstones,
      ...(scope ? { scope } : {}),
    };
    res.set('Cache-Control', 'no-store').json(body);
  });

  return router;
}
