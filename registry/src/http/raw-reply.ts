import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import { errorReply, type FailedRequest, logRequestError, toRegistryError } from './error-handler';

/**
 * Replies for the hot lane, which answers without Express (hot-lane.ts), written exactly as
 * Express's `res.json` and the error handler would.
 */

/** Writes a JSON reply the way Express's `res.json` does (same headers, no ETag). */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/** Answers a failed request as the error handler does: classified, logged, `{code, message}`. */
export function writeFailure(
  errorLog: Logger,
  res: ServerResponse,
  err: unknown,
  request: FailedRequest,
): void {
  const error = toRegistryError(err);
  logRequestError(errorLog, error, err, request);
  const { body, headers } = errorReply(error);
  writeJson(res, error.statusCode, body, headers);
}
