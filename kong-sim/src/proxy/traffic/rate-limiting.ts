import { configValue } from '../../auth/consumer';
import type { AccessPlugin, AuthContext, PluginExit } from '../../auth/types';

/**
 * rate-limiting with the `local` policy (K:kong/plugins/rate-limiting/handler.lua):
 * fixed windows aligned to UTC, counters per plugin instance and identifier, headers for every
 * configured period, 429 with `Retry-After` once a limit is used up. `cluster` and `redis` policies
 * are treated as `local` (one node, no shared store).
 */

const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
type Period = (typeof PERIODS)[number];

/** Kong's EXPIRATION table: the window length used for `RateLimit-Reset`. */
const EXPIRATION: Record<Period, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
};

const capitalised = (p: Period): string => p[0]?.toUpperCase() + p.slice(1);

/** Start of the current window of `period`, in ms, UTC-aligned like Kong's timestamp module. */
export function windowStart(period: Period, nowMs: number): number {
  const d = new Date(nowMs);
  switch (period) {
    case 'second':
      return Math.floor(nowMs / 1000) * 1000;
    case 'minute':
      return Math.floor(nowMs / 60_000) * 60_000;
    case 'hour':
      return Math.floor(nowMs / 3_600_000) * 3_600_000;
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

/** Who a request counts against (`get_identifier`), falling back to the client IP. */
function identifierOf(config: Record<string, unknown>, ctx: AuthContext): string {
  const limitBy = configValue<string>(config, 'limit_by', 'consumer');
  let id: string | undefined;
  if (limitBy === 'service') id = ctx.serviceId ?? undefined;
  else if (limitBy === 'consumer') id = ctx.consumer?.id ?? ctx.credential?.id;
  else if (limitBy === 'credential') id = ctx.credential?.id;
  else if (limitBy === 'header')
    id = ctx.requestHeaders[configValue(config, 'header_name', '').toLowerCase()]?.[0];
  else if (limitBy === 'path')
    id = ctx.path === configValue(config, 'path', null) ? ctx.path : undefined;
  return id ?? ctx.clientIp;
}

/** Creates a rate-limiting plugin with its own counters (one per proxy). */
export function createRateLimitingPlugin(nowMs: () => number = Date.now): AccessPlugin {
  const counters = new Map<string, { start: number; count: number }>();

  const usageOf = (key: string, start: number): number => {
    const entry = counters.get(key);
    return entry && entry.start === start ? entry.count : 0;
  };

  return {
    name: 'rate-limiting',
    priority: 910,
    access(config, ctx, pluginId): PluginExit | undefined {
      const now = nowMs();
      const identifier = identifierOf(config, ctx);
      const usage: {
        period: Period;
        limit: number;
        remaining: number;
        start: number;
        key: string;
      }[] = [];
      let stop: Period | undefined;
      for (const period of PERIODS) {
        const limit = config[period];
        if (typeof limit !== 'number') continue;
        const start = windowStart(period, now);
        const key = `${pluginId ?? ''}|${identifier}|${period}`;
        const remaining = limit - usageOf(key, start);
        if (remaining <= 0) stop = period;
        usage.push({ period, limit, remaining, start, key });
      }
      const headers: Record<string, string> = {};
      let best: { limit: number; remaining: number; window: number; reset: number } | undefined;
      for (const u of usage) {
        const remaining = Math.max(
          0,
          stop === undefined || stop === u.period ? u.remaining - 1 : u.remaining,
        );
        const window = EXPIRATION[u.period];
        const reset = Math.max(1, window - Math.floor((now - u.start) / 1000));
        if (
          !best ||
          remaining < best.remaining ||
          (remaining === best.remaining && window > best.window)
        ) {
          best = { limit: u.limit, remaining, window, reset };
        }
        headers[`X-RateLimit-Limit-${capitalised(u.period)}`] = String(u.limit);
        headers[`X-RateLimit-Remaining-${capitalised(u.period)}`] = String(remaining);
      }
      if (best) {
        headers['RateLimit-Limit'] = String(best.limit);
        headers['RateLimit-Remaining'] = String(best.remaining);
        headers['RateLimit-Reset'] = String(best.reset);
      }
      const visible = configValue(config, 'hide_client_headers', false) ? {} : headers;
      if (stop) {
        return {
          type: 'error',
          status: configValue(config, 'error_code', 429),
          message: configValue(config, 'error_message', 'API rate limit exceeded'),
          headers: { ...visible, 'Retry-After': String(best?.reset ?? 1) },
        };
      }
      Object.assign(ctx.responseHeaders, visible);
      for (const u of usage)
        counters.set(u.key, { start: u.start, count: usageOf(u.key, u.start) + 1 });
      return undefined;
    },
  };
}
