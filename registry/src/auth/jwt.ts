import { createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { RegistryTokenClaims } from '@kong-registry/sdk';
import type { JwtConfig } from '../config';
import { RegistryError } from '../errors';
import { parseTargetRules, type TargetRule } from '../instances/target-policy';
import { SERVICE_NAME } from '../instances/validation';

/** Issuer and audience of every registry token; fixed so tokens for other systems never pass. */
export const TOKEN_ISSUER = 'kong-registry';
export const TOKEN_AUDIENCE = 'kong-registry';

/** Keys the registry signs and verifies with. Built once from the config (or ephemeral). */
export type JwtKeys =
  | { algorithm: 'HS256'; secret: string }
  | { algorithm: 'RS256'; publicKey: string; privateKey: string | null };

/** The keys for a config; an unconfigured registry gets a random HS256 secret (demo only). */
export function resolveJwtKeys(config: JwtConfig): JwtKeys {
  if (config.algorithm === 'HS256') return { algorithm: 'HS256', secret: config.secret };
  if (config.algorithm === 'RS256')
    return { algorithm: 'RS256', publicKey: config.publicKey, privateKey: config.privateKey };
  return { algorithm: 'HS256', secret: randomBytes(32).toString('base64url') };
}

/**
 * Verification keys as KeyObjects, built once per keys object. Given a string, jsonwebtoken
 * rebuilds the key on every call (first trying it as a public key, which throws), which was the
 * largest single cost of a heartbeat (figures in bench/profiles/registry-throughput.md).
 */
const verificationKeys = new WeakMap<JwtKeys, KeyObject>();

function verificationKey(keys: JwtKeys): KeyObject {
  let key = verificationKeys.get(keys);
  if (!key) {
    key =
      keys.algorithm === 'HS256'
        ? createSecretKey(Buffer.from(keys.secret, 'utf8'))
        : createPublicKey(keys.publicKey);
    verificationKeys.set(keys, key);
  }
  return key;
}

/** A verified token: its claims and a stable id for rate limiting. */
export interface VerifiedToken extends RegistryTokenClaims {
  subject: string;
  /** The token's `exp` claim (seconds since the epoch): it is refused from then on. */
  expiresAt: number;
  /** The `targets` claim, parsed once (the token is cached with it). */
  targetRules?: TargetRule[];
}

const claimsSchema = z
  .object({
    role: z.enum(['service', 'admin']),
    service: z.string().regex(SERVICE_NAME).optional(),
    prefixes: z.array(z.string().startsWith('/')).max(64).optional(),
    targets: z.array(z.string()).min(1).max(64).optional(),
    exp: z.number(),
    sub: z.string().optional(),
  })
  .refine(
    (c) => c.role === 'admin' || c.service !== undefined,
    'a service token must name its service',
  );

/** Parses "90", "90s", "15m", "1h", "7d" into seconds. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * factor;
  return seconds > 0 ? seconds : null;
}

/**
 * Signs a registry token. Service tokens carry the service (and optional prefix allow-list);
 * admin tokens may do everything. `exp` is always set.
 */
export function mintToken(
  keys: JwtKeys,
  claims: RegistryTokenClaims,
  options: { ttlSeconds: number },
): string {
  const signingKey = keys.algorithm === 'HS256' ? keys.secret : keys.privateKey;
  if (!signingKey) {
    throw new Error(
      'cannot mint RS256 tokens without REGISTRY_JWT_PRIVATE_KEY (or REGISTRY_JWT_PRIVATE_KEY_FILE)',
    );
  }
  const payload: Record<string, unknown> = { role: claims.role };
  if (claims.service !== undefined) payload.service = claims.service;
  if (claims.prefixes !== undefined) payload.prefixes = claims.prefixes;
  if (claims.targets !== undefined) payload.targets = claims.targets;
  return jwt.sign(payload, signingKey, {
    algorithm: keys.algorithm,
    expiresIn: options.ttlSeconds,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    subject: claims.role === 'admin' ? 'admin' : `service:${claims.service ?? ''}`,
  });
}

/**
 * Verifies a bearer token with the one configured algorithm (so `alg: none` and HS/RS confusion
 * fail), the fixed issuer and audience, and a required `exp`. Throws REG_ERR_TOKEN_EXPIRED or
 * REG_ERR_UNAUTHORIZED; the message never echoes the token.
 */
export function verifyToken(keys: JwtKeys, token: string): VerifiedToken {
  let payload: unknown;
  try {
    payload = jwt.verify(token, verificationKey(keys), {
      algorithms: [keys.algorithm],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
    });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError)
      throw new RegistryError('REG_ERR_TOKEN_EXPIRED', undefined, { cause: err });
    const reason = err instanceof Error ? err.message : 'invalid token';
    throw new RegistryError('REG_ERR_UNAUTHORIZED', `invalid bearer token: ${reason}`, {
      cause: err,
    });
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const missingExp = typeof payload === 'object' && payload !== null && !('exp' in payload);
    throw new RegistryError(
      'REG_ERR_UNAUTHORIZED',
      missingExp
        ? 'invalid bearer token: exp is required'
        : `invalid bearer token claims: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  const claims = parsed.data;
  const targets = claims.targets && parseTargetRules(claims.targets.join(','));
  if (targets && targets.problems.length > 0) {
    throw new RegistryError(
      'REG_ERR_UNAUTHORIZED',
      `invalid bearer token claims: targets: ${targets.problems.join('; ')}`,
    );
  }
  return {
    role: claims.role,
    ...(claims.service !== undefined ? { service: claims.service } : {}),
    ...(claims.prefixes !== undefined ? { prefixes: claims.prefixes } : {}),
    ...(claims.targets !== undefined ? { targets: claims.targets } : {}),
    ...(targets && { targetRules: targets.rules }),
    subject:
      claims.role === 'admin' ? `admin:${claims.sub ?? ''}` : `service:${claims.service ?? ''}`,
    expiresAt: claims.exp,
  };
}
