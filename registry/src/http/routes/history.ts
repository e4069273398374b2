import { Router } from 'express';
import { STATE_SCOPE_MAX_SERVICES } from '@kong-registry/sdk';
import { RegistryError } from '../../errors';
import type { HistoryStore } from '../../history/store';
import { MINUTE_MS, parseWindow, type HistoryReply } from '../../history/timeline';
import type { Clock } from '../../instances/lease';
import { parseOrThrow, serviceNameSchema } from '../../instances/validation';
import type { KongTraffic } from '../../traffic/kong-traffic';
import { requireAdmin } from '../middleware/auth';

/** `?service=a,b` or repeated: sorted, unique names; undefined without it (every service). */
function serviceFilter(query: unknown): string[] | undefined {
  if (query === undefined) return undefined;
  const raw = (Array.isArray(query) ? query : [query]).flatMap((value) =>
    typeof value === 'string' ? value.split(',') : [value],
  );
  const names = [...new Set(raw.map((v) => parseOrThrow(serviceNameSchema, v, 'service name')))];
  if (names.length > STATE_SCOPE_MAX_SERVICES)
    throw new RegistryError(
      'REG_ERR_VALIDATION',
      `invalid service: at most ${STATE_SCOPE_MAX_SERVICES} services per read (got ${names.length}); leave out ?service= to read them all`,
    );
  return names.sort();
}

/**
 * What the admin page draws: the per-minute instance counts of the last hour (history/) and the
 * request and error rates Kong's prometheus plugin counts (traffic/). Admin-only, like the other
 * reads of the whole fleet's operations.
 */
export function historyRoutes(history: HistoryStore, traffic: KongTraffic, clock: Clock): Router {
  const router = Router();

  router.get('/v1/history', requireAdmin, async (req, res) => {
    const windowMinutes = parseWindow(req.query.window);
    const only = serviceFilter(req.query.service);
    const now = clock();
    const body: HistoryReply = {
      generatedAt: new Date(now).toISOString(),
      windowSeconds: windowMinutes * 60,
      stepSeconds: MINUTE_MS / 1000,
      services: await history.read(now, windowMinutes, only),
    };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.get('/v1/traffic', requireAdmin, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await traffic.current());
  });

  return router;
}
