/**
 * Hand-built JWTs for hostile-caller tests: forged algorithms, wrong keys, missing claims. Built
 * with node:crypto rather than jsonwebtoken, which (rightly) refuses to sign some of them.
 */
import { createHmac, createSign } from 'node:crypto';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims of a valid registry token, expiring in a minute, overridable. */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    role: 'admin',
    iss: 'kong-registry',
    aud: 'kong-registry',
    exp: Math.floor(Date.now() / 1000) + 60,
    ...extra,
  };
}

/** An HS* token signed with `secret` (any string, PEM text included: the HS/RS confusion attack). */
export function hmacToken(
  payload: Record<string, unknown>,
  secret: string,
  alg: 'HS256' | 'HS384' | 'HS512' = 'HS256',
): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  const digest = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${head}.${createHmac(digest, secret).update(head).digest('base64url')}`;
}

/** An RS256 token signed with `privateKeyPem`. */
export function rsaToken(payload: Record<string, unknown>, privateKeyPem: string): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  const signature = createSign('RSA-SHA256').update(head).sign(privateKeyPem).toString('base64url');
  return `${head}.${signature}`;
}

/** `alg: none`, with and without a trailing signature part. */
export function unsignedTokens(payload: Record<string, unknown>): string[] {
  const head = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}`;
  const noneUpper = `${b64({ alg: 'NONE', typ: 'JWT' })}.${b64(payload)}`;
  return [`${head}.`, head, `${noneUpper}.`];
}
