import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '@kong-registry/sdk';
import { isRegistryError, RegistryError } from '../errors';
import type { Logger } from '../logger';

/** body-parser failures (they carry `type` and `status`) mapped onto our codes. */
function fromBodyParser(err: unknown): RegistryError | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new RegistryError('REG_ERR_MALFORMED_JSON');
    case 'entity.too.large':
      return new RegistryError('REG_ERR_PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new RegistryError(
        'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
        'unsupported body encoding or charset',
      );
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new RegistryError('REG_ERR_VALIDATION', 'the request body could not be read');
    default:
      return null;
  }
}

/**
 * Any other error that carries a 4xx status (http-errors from Express and body-parser: a
 * malformed percent escape in a path, a body that does not decompress...) is the client's
 * mistake, never a 500.
 */
function fromClientStatus(err: unknown): RegistryError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return null;
  if (code === 413) return new RegistryError('REG_ERR_PAYLOAD_TOO_LARGE');
  if (code === 415) {
    return new RegistryError('REG_ERR_UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  }
  return new RegistryError('REG_ERR_VALIDATION', 'the request could not be read');
}

/**
 * Any error as the RegistryError it answers with: ours as they are (a Redis outage is already
 * REG_ERR_REDIS_UNAVAILABLE where Redis was called), the rest classified.
 */
export function toRegistryError(err: unknown): RegistryError {
  if (isRegistryError(err)) return err;
  return (
    fromBodyParser(err) ??
    fromClientStatus(err) ??
    new RegistryError('REG_ERR_INTERNAL', undefined, { cause: err })
  );
}

/** What a failed request's log line names it by. */
export interface FailedRequest {
  reqId: unknown;
  method: string;
  path: string;
}

/**
 * Logs a failed request: a dependency outage at warn, a bug at error with its stack, a client's
 * mistake at debug (its access line already says warn), and a write refused because the stored
 * data is of a newer format at debug too: the schema watch says why once, not once per request.
 */
export function logRequestError(
  logger: Logger,
  error: RegistryError,
  cause: unknown,
  request: FailedRequest,
): void {
  const log = { ...request, code: error.code, status: error.statusCode };
  if (error.code === 'REG_ERR_SCHEMA_TOO_NEW') {
    logger.debug({ ...log, message: error.message }, 'request refused');
  } else if (error.statusCode >= 500 && error.code !== 'REG_ERR_INTERNAL') {
    logger.warn(
      { ...log, cause: cause instanceof Error ? cause.message : String(cause) },
      'request failed: dependency unavailable',
    );
  } else if (error.code === 'REG_ERR_INTERNAL') {
    logger.error({ ...log, err: cause }, 'request failed: internal error');
  } else {
    logger.debug({ ...log, message: error.message }, 'request refused');
  }
}

/** The reply body and extra headers of an error. */
export function errorReply(error: RegistryError): {
  body: ErrorBody;
  headers: Record<string, string>;
} {
  const body: ErrorBody = { code: error.code, message: error.message };
  if (error.details) body.details = error.details;
  const headers: Record<string, string> = { ...error.headers };
  if (error.code === 'REG_ERR_REDIS_UNAVAILABLE') headers['Retry-After'] = '1';
  return { body, headers };
}

/**
 * The one place where errors become HTTP responses: `{code, message, details?}`, never a stack
 * trace or token content. Client mistakes are 4xx; Redis outages 503; anything else is a bug (500,
 * logged with its stack).
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toRegistryError(err);
    logRequestError(logger, error, err, {
      reqId: (req as { id?: unknown }).id,
      method: req.method,
      path: req.path,
    });
    const { body, headers } = errorReply(error);
    res.set(headers);
    res.status(error.statusCode).json(body);
  };
}

/** 404 for paths the API does not have, in the same error shape. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new RegistryError('REG_ERR_NOT_FOUND', `no route for ${req.method} ${req.path}`));
};
