import express, { type RequestHandler } from 'express';
import { RegistryError } from '../../errors';

/** True when the request carries a body (a length above 0, or chunked). */
function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * JSON bodies only: a body of another media type is 415, an oversize one 413, broken JSON 400
 * (mapped by the error handler). A missing body reads as `{}`.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: true, type: () => true });
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!hasBody(req.headers)) {
      req.body = undefined;
      next();
      return;
    }
    if (!req.is(['application/json', 'application/*+json'])) {
      next(
        new RegistryError(
          'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
          `send the body as application/json, not ${req.get('content-type') ?? 'no content type'}`,
        ),
      );
      return;
    }
    parse(req, _res, next);
  };
  return [requireJson];
}
