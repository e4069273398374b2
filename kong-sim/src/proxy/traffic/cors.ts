import { configValue } from '../../auth/consumer';
import type { AccessPlugin, AuthContext, PluginExit } from '../../auth/types';

/**
 * cors (K:kong/plugins/cors/handler.lua), priority 2000: answers preflights itself
 * (200, empty body) unless `preflight_continue`, and adds the CORS response headers to every other
 * response of the route, including ones Kong produces (401 from a later auth plugin).
 */

const DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';
const PLAIN_ORIGIN = /^[A-Za-z0-9.:/-]+$/;

/** `scheme://host[:port]` with the default port dropped, plus the bare host. */
function normalizeOrigin(origin: string): { domain: string; host: string } {
  try {
    const url = new URL(origin);
    return { domain: `${url.protocol}//${url.host}`, host: url.hostname };
  } catch {
    return { domain: origin, host: origin };
  }
}

/** Whether one configured origin entry (exact or regex) accepts the request origin. */
function originMatches(entry: string, requestOrigin: string): boolean {
  const normalized = normalizeOrigin(requestOrigin);
  if (PLAIN_ORIGIN.test(entry)) return normalizeOrigin(entry).domain === normalized.domain;
  // Regex entries are anchored at the end; a host-only entry (no `:`) matches the host alone.
  const source = `${entry.startsWith('^') ? entry.slice(1) : entry}${entry.endsWith('$') ? '' : '$'}`;
  const subject = entry.includes(':') ? normalized.domain : normalized.host;
  try {
    return new RegExp(`^(?:${source})`).test(subject);
  } catch {
    return false;
  }
}

/** Sets Access-Control-Allow-Origin (and Vary); returns whether every origin is allowed. */
function configureOrigin(
  origins: string[],
  requestOrigin: string | undefined,
  headers: Record<string, string>,
): boolean {
  if (origins.length === 0 || (origins.length === 1 && origins[0] === '*')) {
    headers['Access-Control-Allow-Origin'] = '*';
    return true;
  }
  headers.Vary = 'Origin';
  const [only] = origins;
  if (origins.length === 1 && only !== undefined && PLAIN_ORIGIN.test(only)) {
    headers['Access-Control-Allow-Origin'] = only;
    return false;
  }
  if (requestOrigin) {
    if (origins.includes('*')) {
      headers['Access-Control-Allow-Origin'] = '*';
      return true;
    }
    if (origins.some((entry) => originMatches(entry, requestOrigin))) {
      headers['Access-Control-Allow-Origin'] = normalizeOrigin(requestOrigin).domain;
    }
  }
  return false;
}

function configureCredentials(
  config: Record<string, unknown>,
  allowAll: boolean,
  requestOrigin: string | undefined,
  headers: Record<string, string>,
): void {
  if (!configValue(config, 'credentials', false)) return;
  if (!allowAll) {
    headers['Access-Control-Allow-Credentials'] = 'true';
    return;
  }
  // ACAC cannot be true with ACAO `*`, so the request origin is echoed instead.
  if (requestOrigin) {
    headers.Vary = 'Origin';
    headers['Access-Control-Allow-Origin'] = requestOrigin;
    headers['Access-Control-Allow-Credentials'] = 'true';
  }
}

function preflight(config: Record<string, unknown>, ctx: AuthContext, origin: string): PluginExit {
  const headers: Record<string, string> = {};
  const allowAll = configureOrigin(configValue<string[]>(config, 'origins', []), origin, headers);
  configureCredentials(config, allowAll, origin, headers);
  const allowHeaders = configValue<string[]>(config, 'headers', []);
  const requested = ctx.requestHeaders['access-control-request-headers']?.[0];
  if (allowHeaders.length > 0) headers['Access-Control-Allow-Headers'] = allowHeaders.join(',');
  else if (requested) headers['Access-Control-Allow-Headers'] = requested;
  const methods = configValue<string[] | null>(config, 'methods', null);
  headers['Access-Control-Allow-Methods'] = methods ? methods.join(',') : DEFAULT_METHODS;
  const maxAge = configValue<number | null>(config, 'max_age', null);
  if (maxAge !== null) headers['Access-Control-Max-Age'] = String(maxAge);
  if (
    configValue(config, 'private_network', false) &&
    ctx.requestHeaders['access-control-request-private-network']?.[0] === 'true'
  ) {
    headers['Access-Control-Allow-Private-Network'] = 'true';
  }
  return { type: 'exit', status: 200, body: undefined, headers };
}

/** The cors plugin. */
export const corsPlugin: AccessPlugin = {
  name: 'cors',
  priority: 2000,
  access(config, ctx) {
    const origin = ctx.requestHeaders.origin?.[0];
    const isPreflight =
      ctx.method === 'OPTIONS' &&
      origin !== undefined &&
      ctx.requestHeaders['access-control-request-method'] !== undefined;
    if (isPreflight)
      return configValue(config, 'preflight_continue', false)
        ? undefined
        : preflight(config, ctx, origin);
    if (!origin && config.allow_origin_absent === false) return undefined;
    const headers: Record<string, string> = {};
    const allowAll = configureOrigin(configValue<string[]>(config, 'origins', []), origin, headers);
    configureCredentials(config, allowAll, origin, headers);
    const exposed = configValue<string[]>(config, 'exposed_headers', []);
    if (exposed.length > 0) headers['Access-Control-Expose-Headers'] = exposed.join(',');
    Object.assign(ctx.responseHeaders, headers);
    return undefined;
  },
};
