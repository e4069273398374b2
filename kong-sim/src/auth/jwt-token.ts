import { createHmac, createPublicKey, timingSafeEqual, verify, constants } from 'node:crypto';
import { JWT_ALGORITHMS } from '../schema/entities/credentials';

/**
 * JWT decoding and signature checks as K:kong/plugins/jwt/jwt_parser.lua does them, with its
 * error strings ("invalid JSON", "invalid alg", ...). Verification always uses the algorithm of
 * the credential, never the one the token claims (the caller checks they are equal first).
 */

/** A decoded, not yet verified token. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const SUPPORTED_ALGS = new Set(JWT_ALGORITHMS);

/** Parses one base64url JSON segment; throws like the Lua parser's pcall would. */
function decodeJson(part: string | undefined): unknown {
  if (part === undefined) throw new Error('missing segment');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Decodes a token or returns the parser's error text (shown as `Bad token; <error>`). Like
 * `tokenize(token, ".", 3)`, everything after the second dot is the signature segment.
 */
export function decodeJwt(token: string): DecodedJwt | { error: string } {
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1) return { error: 'invalid JSON' };
  const h = token.slice(0, first);
  const c = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  let header: unknown;
  let claims: unknown;
  try {
    header = decodeJson(h);
    claims = decodeJson(c);
  } catch {
    return { error: 'invalid JSON' };
  }
  if (!isObject(header) || typeof header.alg !== 'string' || !SUPPORTED_ALGS.has(header.alg)) {
    return { error: 'invalid alg' };
  }
  if (!isObject(claims)) return { error: 'invalid claims' };
  return { header, claims, signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

/** Checks the signature with `key` (an HMAC secret or a PEM public key) under `alg`. */
export function verifyJwtSignature(jwt: DecodedJwt, alg: string, key: string | Buffer): boolean {
  const bits = alg.slice(2);
  const digest = `sha${bits}`;
  const data = Buffer.from(jwt.signingInput);
  try {
    if (alg.startsWith('HS')) {
      const expected = createHmac(digest, key).update(data).digest();
      return expected.length === jwt.signature.length && timingSafeEqual(expected, jwt.signature);
    }
    const publicKey = createPublicKey(key);
    if (alg === 'EdDSA') return verify(null, data, publicKey, jwt.signature);
    if (alg.startsWith('ES'))
      return verify(digest, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    if (alg.startsWith('PS')) {
      return verify(
        digest,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 },
        jwt.signature,
      );
    }
    return verify(digest, data, publicKey, jwt.signature);
  } catch {
    return false;
  }
}

/** `verify_registered_claims`: only the claims listed are checked; errors keyed by claim name. */
export function verifyRegisteredClaims(
  claims: Record<string, unknown>,
  toVerify: readonly string[] | null,
  now: number,
): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  for (const name of toVerify ?? []) {
    const value = claims[name];
    if (typeof value !== 'number') errors[name] = 'must be a number';
    else if (name === 'exp' && value <= now) errors[name] = 'token expired';
    else if (name === 'nbf' && value > now) errors[name] = 'token not valid yet';
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** `check_maximum_expiration` (only called when maximum_expiration > 0); a missing exp exceeds it. */
export function checkMaximumExpiration(
  claims: Record<string, unknown>,
  maximum: number,
  now: number,
): Record<string, string> | undefined {
  const exp = claims.exp;
  if (typeof exp !== 'number' || exp - now > maximum)
    return { exp: 'exceeds maximum allowed expiration' };
  return undefined;
}
