import { randomUUID } from 'node:crypto';
import { routes } from '../../schema/entities/routes';
import { services } from '../../schema/entities/services';
import { upstreams } from '../../schema/entities/upstreams';
import type { EntitySchema } from '../../schema/types';
import { fillDefaults } from '../../schema/validate';
import type {
  AclEntity,
  ConsumerEntity,
  EntityKind,
  JwtSecretEntity,
  KeyAuthCredentialEntity,
  PluginEntity,
  EntityMap,
  Healthchecks,
  RouteEntity,
  ServiceEntity,
  StoreChange,
  StoreReader,
  TargetEntity,
  UpstreamEntity,
} from '../../store/types';

/**
 * Test-only in-memory StoreReader, so the proxy half can be unit-tested without the Admin API.
 * Builders fill Kong's defaults (kong-sim/KONG_BEHAVIOUR.md#entity-schemas-and-defaults) so
 * entities look like the Admin API serialises them.
 */
export class MemoryStore implements StoreReader {
  private readonly data = new Map<EntityKind, Map<string, unknown>>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  version = 0;

  list<K extends EntityKind>(kind: K): readonly EntityMap[K][] {
    return [...(this.data.get(kind)?.values() ?? [])] as EntityMap[K][];
  }

  get<K extends EntityKind>(kind: K, id: string): EntityMap[K] | undefined {
    return this.data.get(kind)?.get(id) as EntityMap[K] | undefined;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  put<K extends EntityKind>(kind: K, entity: EntityMap[K]): EntityMap[K] {
    const table = this.data.get(kind) ?? new Map<string, unknown>();
    this.data.set(kind, table);
    const previous = table.get(entity.id) as EntityMap[K] | undefined;
    table.set(entity.id, entity);
    this.version++;
    const change = { kind, op: previous ? 'update' : 'create', entity, previous } as StoreChange;
    for (const listener of this.listeners) listener(change);
    return entity;
  }

  remove(kind: EntityKind, id: string): void {
    const entity = this.data.get(kind)?.get(id);
    if (!entity) return;
    this.data.get(kind)?.delete(id);
    this.version++;
    const change = { kind, op: 'delete', entity } as StoreChange;
    for (const listener of this.listeners) listener(change);
  }
}

const now = (): number => Math.floor(Date.now() / 1000);

/** An entity of `schema` as the Admin API serialises it: Kong's defaults under `fields`. */
function withDefaults<T>(schema: EntitySchema, fields: object): T {
  const stamp = now();
  return fillDefaults(schema.fields, {
    id: randomUUID(),
    created_at: stamp,
    updated_at: stamp,
    ...fields,
  }) as T;
}

/** A service with Kong's defaults. */
export function aService(fields: Partial<ServiceEntity> = {}): ServiceEntity {
  return withDefaults(services, { host: '127.0.0.1', ...fields });
}

/** A route with Kong's defaults. */
export function aRoute(fields: Partial<RouteEntity> = {}): RouteEntity {
  return withDefaults(routes, fields);
}

/**
 * Kong's default healthchecks record (K:kong/db/schema/entities/upstreams.lua), from the Admin
 * API's own upstream schema.
 */
export function defaultHealthchecks(): Healthchecks {
  return fillDefaults(upstreams.fields, {}).healthchecks as Healthchecks;
}

/** An upstream with Kong's defaults. */
export function anUpstream(fields: Partial<UpstreamEntity> = {}): UpstreamEntity {
  return withDefaults(upstreams, { name: 'example.upstream', ...fields });
}

/** A target of `upstream`. */
export function aTarget(upstream: UpstreamEntity, target: string, weight = 100): TargetEntity {
  return {
    id: randomUUID(),
    created_at: Date.now() / 1000,
    updated_at: Date.now() / 1000,
    tags: null,
    upstream: { id: upstream.id },
    target,
    weight,
  };
}

/** A consumer. */
export function aConsumer(username: string | null, customId: string | null = null): ConsumerEntity {
  return {
    id: randomUUID(),
    created_at: now(),
    updated_at: now(),
    tags: null,
    username,
    custom_id: customId,
  };
}

/** A plugin instance with Kong's entity defaults; `config` is taken as given. */
export function aPlugin(
  name: string,
  config: Record<string, unknown>,
  fields: Partial<PluginEntity> = {},
): PluginEntity {
  return {
    id: randomUUID(),
    created_at: now(),
    updated_at: now(),
    tags: null,
    name,
    instance_name: null,
    route: null,
    service: null,
    consumer: null,
    config,
    protocols: ['grpc', 'grpcs', 'http', 'https'],
    enabled: true,
    ...fields,
  };
}

/** A key-auth credential. */
export function aKeyAuth(consumer: ConsumerEntity, key: string): KeyAuthCredentialEntity {
  return {
    id: randomUUID(),
    created_at: now(),
    tags: null,
    consumer: { id: consumer.id },
    key,
    ttl: null,
  };
}

/** A jwt secret (HS256 unless told otherwise). */
export function aJwtSecret(
  consumer: ConsumerEntity,
  fields: Partial<JwtSecretEntity>,
): JwtSecretEntity {
  return {
    id: randomUUID(),
    created_at: now(),
    tags: null,
    consumer: { id: consumer.id },
    key: randomUUID(),
    secret: randomUUID(),
    rsa_public_key: null,
    algorithm: 'HS256',
    ...fields,
  };
}

/** An ACL group membership. */
export function anAcl(consumer: ConsumerEntity, group: string): AclEntity {
  return { id: randomUUID(), created_at: now(), tags: null, consumer: { id: consumer.id }, group };
}
