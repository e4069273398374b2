import type { AuthContext } from '../../auth/types';
import type { StoreReader } from '../../store/types';

/** Builds an AuthContext for a request with the given headers (name → value or values) and query. */
export function authContext(
  store: StoreReader,
  request: {
    method?: string;
    path?: string;
    clientIp?: string;
    headers?: Record<string, string | string[]>;
    query?: string;
    cookies?: Record<string, string>;
    body?: Record<string, unknown>;
  } = {},
  nowSeconds = Math.floor(Date.now() / 1000),
): AuthContext {
  const requestHeaders: Record<string, string[]> = {};
  const upstreamHeaders: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    requestHeaders[name.toLowerCase()] = Array.isArray(value) ? value : [value];
    upstreamHeaders[name.toLowerCase()] = value;
  }
  return {
    store,
    method: request.method ?? 'GET',
    path: request.path ?? '/',
    clientIp: request.clientIp ?? '127.0.0.1',
    serviceId: null,
    responseHeaders: {},
    requestHeaders,
    cookies: request.cookies ?? {},
    body: request.body,
    bodyChanged: false,
    upstreamHeaders,
    query: new URLSearchParams(request.query ?? ''),
    consumer: undefined,
    credential: undefined,
    now: () => nowSeconds,
  };
}
