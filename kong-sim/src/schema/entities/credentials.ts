/** Credential DAOs of the bundled auth plugins (K:kong/plugins/{key-auth,jwt,acl}/daos.lua). */
import * as t from '../typedefs';
import type { EntitySchema } from '../types';

const consumer = t.foreign('consumers', { required: true, on_delete: 'cascade' });

/** The algorithms a jwt credential may use, which are also the ones the token parser verifies. */
export const JWT_ALGORITHMS: readonly string[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];
const NEEDS_PUBLIC_KEY = /^(RS|PS)\d{3}$|^EdDSA$/;

/** key-auth credentials (`/key-auths`, `/consumers/{c}/key-auth`). */
export const keyauthCredentials: EntitySchema = {
  name: 'keyauth_credentials',
  adminPath: 'key-auths',
  endpointKey: 'key',
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { consumer },
    { key: { type: 'string', unique: true, auto: true } },
    { tags: t.tags },
  ],
};

/** jwt secrets (`/jwts`, `/consumers/{c}/jwt`). */
export const jwtSecrets: EntitySchema = {
  name: 'jwt_secrets',
  adminPath: 'jwts',
  endpointKey: 'key',
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { consumer },
    { key: { type: 'string', unique: true, auto: true } },
    { secret: { type: 'string', auto: true } },
    { rsa_public_key: { type: 'string' } },
    { algorithm: { type: 'string', default: 'HS256', one_of: JWT_ALGORITHMS } },
    { tags: t.tags },
  ],
  check(row) {
    if (!NEEDS_PUBLIC_KEY.test(String(row.algorithm))) return undefined;
    const key = row.rsa_public_key;
    if (key === null) return { fields: { rsa_public_key: 'required field missing' } };
    return /-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(String(key))
      ? undefined
      : { fields: { rsa_public_key: 'invalid key' } };
  },
};

/** ACL group memberships (`/acls`, `/consumers/{c}/acls`). */
export const acls: EntitySchema = {
  name: 'acls',
  adminPath: 'acls',
  cacheKey: ['consumer', 'group'],
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { consumer },
    { group: { type: 'string', required: true } },
    { tags: t.tags },
  ],
};
