/** Every entity schema kong-sim stores, keyed by DAO name. */
import type { EntityKind } from '../../store/types';
import type { EntitySchema } from '../types';
import { consumers } from './consumers';
import { acls, jwtSecrets, keyauthCredentials } from './credentials';
import { plugins } from './plugins';
import { routes } from './routes';
import { services } from './services';
import { targets } from './targets';
import { upstreams } from './upstreams';

/** Schemas in dependency order: parents before children (used for loads and cascades). */
export const ENTITY_SCHEMAS: Readonly<Record<EntityKind, EntitySchema>> = {
  services,
  routes,
  upstreams,
  targets,
  consumers,
  plugins,
  keyauth_credentials: keyauthCredentials,
  jwt_secrets: jwtSecrets,
  acls,
};

/** DAO names in dependency order. */
export const ENTITY_KINDS = Object.keys(ENTITY_SCHEMAS) as EntityKind[];

/** The schema of a stored entity kind. */
export function schemaOf(kind: EntityKind): EntitySchema {
  return ENTITY_SCHEMAS[kind];
}
