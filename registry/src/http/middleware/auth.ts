import type { RequestHandler, Response } from 'express';
import { verifyToken, type JwtKeys, type VerifiedToken } from '../../auth/jwt';
import { VerifiedTokenCache } from '../../auth/token-cache';
import { RegistryError } from '../../errors';
import { assertAdmin } from '../../auth/scope';

/**
 * Distinct tokens whose verification is remembered. A fleet usually holds one token per service;
 * at ~0.5 KB an entry this bounds the cache near 2 MB however many tokens arrive.
 */
export const TOKEN_CACHE_ENTRIES = 4096;

/** The verified token of the current request, set by {@link authenticate}. */
export function tokenOf(res: Response): VerifiedToken {
  const token = res.locals.token as VerifiedToken | undefined;
  if (!token) throw new RegistryError('REG_ERR_UNAUTHORIZED');
  return token;
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header.trim())?.[1] : undefined;
}

/**
 * Requires `Authorization: Bearer <JWT>` and verifies it; 401 otherwise. A token that passed is
 * remembered until its `exp` (see {@link VerifiedTokenCache}), so repeated requests skip the check.
 */
export function authenticate(
  keys: JwtKeys,
  cache = new VerifiedTokenCache(TOKEN_CACHE_ENTRIES),
): RequestHandler {
  return (req, res, next) => {
    const raw = bearerToken(req.get('authorization'));
    if (!raw) {
      next(
        new RegistryError(
          'REG_ERR_UNAUTHORIZED',
          'send Authorization: Bearer <token> (mint one with `kong-registry token`)',
        ),
      );
      return;
    }
    let token = cache.get(raw, Date.now());
    if (token === undefined) {
      token = verifyToken(keys, raw);
      cache.set(raw, token);
    }
    res.locals.token = token;
    next();
  };
}

/** Only admin tokens pass. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  try {
    assertAdmin(tokenOf(res));
  } catch (err) {
    next(err);
    return;
  }
  next();
};
