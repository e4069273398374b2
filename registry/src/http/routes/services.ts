import { Router } from 'express';
import {
  matchesLabels,
  parseLabelSelector,
  servicePrefixes,
  STATE_SCOPE_MAX_SERVICES,
  type LabelSelector,
  type Consumer,
  type Credential,
  type RouteRow,
  type ServiceView,
  type StateSnapshot,
} from '@kong-registry/sdk';
import { RegistryError } from '../../errors';
import { isInstanceHealthy } from '../../instances/health';
import { parseOrThrow, serviceNameSchema } from '../../instances/validation';
import type { AppDeps } from '../deps';
import { requireAdmin } from '../middleware/auth';

/**
 * The prefix table, a row per prefix, sorted by prefix. Route-less services have no prefix, so
 * no row; a service with extra prefixes has one row for each.
 */
export function buildRouteTable(services: ServiceView[]): RouteRow[] {
  return services
    .flatMap((s) => {
      const healthyInstances = s.instances.filter(isInstanceHealthy).length;
      return servicePrefixes(s.definition).map((prefix) => ({
        prefix,
        service: s.name,
        auth: s.definition.auth,
        stripPrefix: s.definition.stripPrefix,
        instances: s.instances.length,
        healthyInstances,
      }));
    })
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

/** The terms of `?label=key=value` (repeatable: every one must match); empty without it. */
export function labelFilter(query: unknown): LabelSelector[] {
  if (query === undefined) return [];
  const raw = Array.isArray(query) ? (query as unknown[]) : [query];
  return raw.map((value) => {
    const parsed =
      typeof value === 'string' ? parseLabelSelector(value) : 'a label filter is key=value';
    if (typeof parsed === 'string')
      throw new RegistryError('REG_ERR_VALIDATION', `invalid label filter: ${parsed}`, {
        details: [{ path: 'label', message: parsed }],
      });
    return parsed;
  });
}

/** The services with only their instances that carry every label asked for; services left empty go. */
export function filterByLabels(services: ServiceView[], selectors: LabelSelector[]): ServiceView[] {
  if (selectors.length === 0) return services;
  return services.flatMap((view) => {
    const instances = view.instances.filter((i) => matchesLabels(i.labels, selectors));
    return instances.length === 0 ? [] : [{ ...view, instances }];
  });
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

  router.get('/v1/services', async (req, res) => {
    const selectors = labelFilter(req.query.label);
    const snapshot = await repository.snapshot(false);
    res.json({
      revision: snapshot.revision,
      services: filterByLabels(snapshot.services, selectors),
    });
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
