/**
 * Translates one registry service (definition + live instances) into its Kong entities:
 * service, route, upstream (with health checks), one target per instance, and auth plugins.
 */
import {
  isRouted,
  servicePrefixes,
  upstreamSettings,
  type Instance,
  type ServiceDefinition,
  type ServiceView,
} from '@kong-registry/sdk';
import type { Entity, EntityKind, KongBody } from '../kong/entities';
import { prefixesRoutePaths } from '../kong/prefix-paths';
import { ids, INSTANCE_TAG_PREFIX, names, serviceTags } from '../naming';
import type { TargetSource } from './types';

/**
 * Kong's health checker asserts every counter is at most 254 (lua-resty-healthcheck 3.1.0, pinned
 * by Kong 3.9.3: lib/resty/healthcheck.lua `new`), although the upstream schema accepts 255.
 */
const MAX_COUNTER = 254;

function counter(value: number): number {
  return Math.max(0, Math.min(MAX_COUNTER, Math.round(value)));
}

/**
 * The `healthchecks` record of a service's upstream: active probes plus passive checks. A gRPC
 * service gets neither: Kong 3.9 cannot probe a gRPC port (an http probe speaks HTTP/1.0 to it,
 * tcp probes run only in Kong's stream subsystem, and the checker library refuses the grpc types:
 * kong-sim/KONG_BEHAVIOUR.md#health-checker), and passive checks alone would mark a target down
 * with nothing to bring it back. Its instances' own health reports steer it instead
 * (`effectiveWeight`), and a refused connection is retried on the next target.
 */
export function buildHealthchecks(view: ServiceView): KongBody {
  const check = view.definition.healthCheck;
  const failures = counter(check.unhealthyThreshold);
  if (isGrpc(view.definition.protocol))
    return {
      active: {
        type: 'http',
        healthy: { interval: 0 },
        unhealthy: { interval: 0 },
      },
      passive: { type: 'http', unhealthy: { http_failures: 0, tcp_failures: 0, timeouts: 0 } },
    };
  const type = view.definition.protocol;
  return {
    active: {
      type,
      http_path: check.path,
      timeout: check.timeoutSeconds,
      healthy: { interval: check.intervalSeconds, successes: counter(check.healthyThreshold) },
      unhealthy: {
        interval: check.intervalSeconds,
        http_failures: failures,
        tcp_failures: failures,
        timeouts: failures,
      },
    },
    passive: {
      type: 'http',
      healthy: { successes: counter(check.healthyThreshold) },
      unhealthy: { http_failures: failures, tcp_failures: failures, timeouts: failures },
    },
  };
}

/**
 * The Kong service's timeouts and retries, from the definition's `upstream`. A definition without
 * one (it never set them, or was stored before they existed) adds nothing: its service body stays
 * what it always was and Kong gives it its defaults, the same ones normalize.ts fills into both
 * sides (plan/defaults.ts), so it plans no change. Leaving `upstream` out after setting it puts
 * Kong back to its defaults, since a PUT (and a DB-less push) replaces the whole entity.
 */
export function serviceTimeouts(definition: ServiceDefinition): KongBody {
  if (definition.upstream === undefined) return {};
  const upstream = upstreamSettings(definition);
  return {
    connect_timeout: upstream.connectTimeoutMs,
    read_timeout: upstream.readTimeoutMs,
    write_timeout: upstream.writeTimeoutMs,
    retries: upstream.retries,
  };
}

function isGrpc(protocol: string): boolean {
  return protocol === 'grpc' || protocol === 'grpcs';
}

/**
 * The traffic weight of an instance: 0 while it drains or reports itself unhealthy (its own
 * word, sent with its heartbeats), else its own weight.
 */
function effectiveWeight(instance: Instance): number {
  if (instance.draining || instance.selfHealth?.status === 'unhealthy') return 0;
  return Math.max(0, Math.min(65535, Math.round(instance.weight)));
}

function entity(kind: EntityKind, name: string, svc: string, body: KongBody): Entity {
  return { kind, id: String(body.id), name, service: svc, consumer: undefined, body };
}

/** A service that asks for a route: its definition has a prefix. */
export type RoutedServiceView = ServiceView & {
  definition: ServiceDefinition & { prefix: string };
};

/**
 * True when the service gets entities in Kong. A route-less one (`route: false`: a worker, a
 * queue consumer) gets none, so switching a service to route-less deletes what it had.
 */
export function isRoutedView(view: ServiceView): view is RoutedServiceView {
  return isRouted(view.definition) && typeof view.definition.prefix === 'string';
}

/** Result of translating one service. */
export interface ServiceEntities {
  entities: Entity[];
  targets: TargetSource[];
}

/** Kong entities for `view`; `instances` are the live ones (lease checked by the caller). */
export function translateService(
  view: RoutedServiceView,
  instances: Instance[],
  ownershipTag: string,
): ServiceEntities {
  const svc = view.name;
  const def = view.definition;
  const tags = serviceTags(ownershipTag, svc);
  const grpc = isGrpc(def.protocol);
  const serviceId = ids.service(svc);
  const upstreamId = ids.upstream(svc);
  const upstreamName = names.upstream(svc);

  const entities: Entity[] = [
    entity('service', svc, svc, {
      id: serviceId,
      name: names.service(svc),
      protocol: def.protocol,
      host: upstreamName,
      port: def.protocol === 'https' || def.protocol === 'grpcs' ? 443 : 80,
      ...serviceTimeouts(def),
      tags,
    }),
    entity('route', svc, svc, {
      id: ids.route(svc),
      name: names.route(svc),
      protocols: grpc ? ['grpc', 'grpcs'] : ['http', 'https'],
      paths: prefixesRoutePaths(servicePrefixes(def)),
      strip_path: grpc ? false : def.stripPrefix,
      service: { id: serviceId },
      tags,
    }),
    entity('upstream', upstreamName, svc, {
      id: upstreamId,
      name: upstreamName,
      healthchecks: buildHealthchecks(view),
      tags,
    }),
  ];

  const targets: TargetSource[] = [];
  const seen = new Set<string>();
  for (const instance of [...instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
    const target = names.target(instance.host, instance.port);
    // Two instances on one address are one Kong target ((upstream, target) is unique).
    if (seen.has(target)) continue;
    seen.add(target);
    const id = ids.target(svc, target);
    entities.push(
      entity('target', `${upstreamName}/${target}`, svc, {
        id,
        target,
        weight: effectiveWeight(instance),
        upstream: { id: upstreamId },
        tags: serviceTags(ownershipTag, svc, [`${INSTANCE_TAG_PREFIX}${instance.instanceId}`]),
      }),
    );
    targets.push({ service: svc, instanceId: instance.instanceId, target, upstream: upstreamName });
  }

  for (const plugin of authPlugins(view)) {
    entities.push(
      entity('plugin', `${svc}/${plugin.name}`, svc, {
        id: ids.plugin(svc, plugin.name),
        name: plugin.name,
        service: { id: serviceId },
        config: plugin.config,
        tags,
      }),
    );
  }
  return { entities, targets };
}

/** Plugins enforcing a service's auth policy: key-auth or jwt, then acl when groups are listed. */
export function authPlugins(view: ServiceView): { name: string; config: KongBody }[] {
  const auth = view.definition.auth;
  const plugins: { name: string; config: KongBody }[] = [];
  if (auth.type === 'key-auth') {
    plugins.push({ name: 'key-auth', config: { key_names: ['apikey'], hide_credentials: true } });
  } else if (auth.type === 'jwt') {
    plugins.push({ name: 'jwt', config: { claims_to_verify: ['exp'] } });
  }
  if (auth.type !== 'none' && auth.allowGroups.length > 0) {
    plugins.push({ name: 'acl', config: { allow: [...auth.allowGroups].sort() } });
  }
  return plugins;
}
