import type { RequestHandler, Response } from 'express';
import { verifyToken, type JwtKeys, type VerifiedToken } from '../../auth/jwt';
import { RegistryError } from '../../errors';

/** The verified token of the current request, set by {@link authenticate}. */
export function tokenOf(res: Response): VerifiedToken {
  const token = res.locals.token as VerifiedToken | undefined;
  if (!token) throw new RegistryError('REG_ERR_UNAUTHORIZED');
  return token;
}

/** Requires `Authorization: Bearer <JWT>` and verifies it; 401 otherwise. */
export function authenticate(keys: JwtKeys): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim()) : null;
    if (!match?.[1]) {
      next(
        new RegistryError(
          'REG_ERR_UNAUTHORIZED',
          'send Authorization: Bearer <token> (mint one with `kong-registry token`)',
        ),
      );
      return;
    }
    res.locals.token = verifyToken(keys, match[1]);
    res.locals.rawToken = match[1];
    next();
  };
}

/** Only admin tokens pass. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (tokenOf(res).role !== 'admin') {
    next(new RegistryError('REG_ERR_FORBIDDEN', 'this needs an admin token'));
    return;
  }
  next();
};

/** Admin tokens, or a service token for exactly the `:service` of the path. */
export const requireServiceScope: RequestHandler = (req, res, next) => {
  const token = tokenOf(res);
  const service = req.params.service;
  if (token.role !== 'admin' && token.service !== service) {
    next(
      new RegistryError(
        'REG_ERR_FORBIDDEN',
        `this token is for service '${token.service ?? ''}', not '${String(service)}'`,
      ),
    );
    return;
  }
  next();
};
