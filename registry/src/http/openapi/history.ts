import { z } from 'zod';
import { SERVICE_NAME, STATE_SCOPE_MAX_SERVICES } from '@kong-registry/sdk';
import type { ERRORS } from '../../errors';
import { HISTORY_MINUTES, type HistoryReply } from '../../history/timeline';
import type { TrafficReply } from '../../traffic/kong-metrics';

type Json = Record<string, unknown>;

const iso = z.iso.datetime().describe('ISO 8601, UTC');
const count = z.number().int().min(0);

const historyPoint = z.object({
  at: iso.describe('start of the minute'),
  total: count.describe('live instances at the newest state revision sampled in the minute'),
  healthy: count.describe('of those, healthy (not draining, not down in Kong, not unhealthy)'),
  minHealthy: count.describe('fewest healthy instances any sample of the minute saw'),
  maxTotal: count.describe('most live instances any sample of the minute saw'),
});
const historyReply = z.object({
  generatedAt: iso,
  windowSeconds: z.number().int(),
  stepSeconds: z.number().int().describe('one point per minute'),
  services: z.array(
    z.object({
      service: z.string(),
      points: z
        .array(historyPoint)
        .describe('oldest first; a minute no registry replica sampled has no point'),
    }),
  ),
});
const serviceTraffic = z.object({
  service: z.string().describe("Kong's service name, which the controller sets to the registry's"),
  requests: z.number().describe('requests Kong counted since it started (all Kong nodes read)'),
  errors: z.number().describe('of those, answered 5xx (by the service or by Kong)'),
  requestsPerSecond: z.number().nullable().describe('over windowSeconds; null until two reads'),
  errorsPerSecond: z.number().nullable(),
});
const trafficReply = z.object({
  configured: z.boolean().describe('false: REGISTRY_KONG_METRICS_URL is not set'),
  at: iso.nullable().describe('when Kong was last read'),
  windowSeconds: z.number().nullable().describe('what the rates are averaged over (up to 60 s)'),
  services: z.array(serviceTraffic),
  problem: z.string().optional().describe('why the last read of Kong failed'),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const drift = {
  history: true satisfies Same<z.infer<typeof historyReply>, HistoryReply>,
  traffic: true satisfies Same<z.infer<typeof trafficReply>, TrafficReply>,
};
void drift;

export const historySchemas = (): Record<string, z.ZodType> => ({
  HistoryPoint: historyPoint,
  HistoryReply: historyReply,
  ServiceTraffic: serviceTraffic,
  TrafficReply: trafficReply,
});

/** The document's own helpers (document.ts), so these paths read like the others. */
export interface PathHelpers {
  json(schema: string, description: string): Json;
  errors(...codes: (keyof typeof ERRORS)[]): Json;
  admin: string;
  authErrors: readonly (keyof typeof ERRORS)[];
}

export function historyPaths({ json, errors, admin, authErrors }: PathHelpers): Json {
  return {
    '/v1/history': {
      get: {
        operationId: 'getHistory',
        summary: 'Healthy and live instances per service and minute, over the last hour',
        description: `${admin} Every registry replica samples the counts (REGISTRY_HISTORY_SAMPLE_SECONDS) into one shared history in Redis, ${HISTORY_MINUTES} minutes per service; services that had no instance for the whole hour are dropped. The /ui timelines draw it.`,
        parameters: [
          {
            name: 'window',
            in: 'query',
            required: false,
            description: `How far back: whole minutes or hours, 1m to ${HISTORY_MINUTES}m (1h, the default)`,
            schema: { type: 'string', pattern: '^[1-9][0-9]{0,3}(m|h)$' },
          },
          {
            name: 'service',
            in: 'query',
            required: false,
            description: `Only these services (repeated or comma-separated, at most ${STATE_SCOPE_MAX_SERVICES}); without it, every service with a history`,
            schema: { type: 'array', items: { type: 'string', pattern: SERVICE_NAME.source } },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          '200': json('HistoryReply', 'Services sorted by name'),
          ...errors('REG_ERR_VALIDATION', ...authErrors),
        },
      },
    },
    '/v1/traffic': {
      get: {
        operationId: 'getTraffic',
        summary: "Requests and 5xx per service per second, from Kong's prometheus plugin",
        description: `${admin} Read from REGISTRY_KONG_METRICS_URL (Kong's Admin or Status API /metrics, the plugin with status_code_metrics on) at most every 2 s when asked, averaged over this replica's reads of the last minute. Without the URL: configured false. A failed read is 200 with problem set.`,
        responses: {
          '200': json('TrafficReply', 'Services sorted by name'),
          ...errors(...authErrors),
        },
      },
    },
  };
}
