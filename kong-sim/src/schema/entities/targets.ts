/**
 * Target schema (K:kong/db/schema/entities/targets.lua; Admin API rules:
 * kong-sim/KONG_BEHAVIOUR.md#targets).
 */
import * as t from '../typedefs';
import type { EntitySchema } from '../types';

/** Port Kong gives a target written without one (K:kong/db/schema/entities/targets.lua). */
export const TARGET_DEFAULT_PORT = 8000;

/** Splits `host[:port]` (IPv6 in brackets or bare); undefined when it is not an address. */
export function parseTarget(value: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed?.[1])
    return { host: `[${bracketed[1]}]`, port: Number(bracketed[2] ?? TARGET_DEFAULT_PORT) };
  if (t.isIpv6(value) && (value.match(/:/g) ?? []).length > 1)
    return { host: `[${value}]`, port: TARGET_DEFAULT_PORT };
  const m = /^([^:]+)(?::(\d+))?$/.exec(value);
  if (!m?.[1]) return undefined;
  const host = m[1];
  if (!t.isIpv4(host) && !t.isHostname(host)) return undefined;
  const port = Number(m[2] ?? TARGET_DEFAULT_PORT);
  if (port > 65535) return undefined;
  return { host, port };
}

/** Target entity: no top-level Admin API (`/targets` is disabled). */
export const targets: EntitySchema = {
  name: 'targets',
  endpointKey: 'target',
  cacheKey: ['upstream', 'target'],
  floatTimestamps: true,
  fields: [
    { id: t.id },
    { created_at: t.autoTimestampMs },
    { updated_at: t.autoTimestampMs },
    { upstream: t.foreign('upstreams', { required: true, on_delete: 'cascade' }) },
    {
      target: {
        type: 'string',
        required: true,
        custom: (v) =>
          parseTarget(v as string)
            ? undefined
            : `Invalid target ('${String(v)}'); not a valid hostname or ip address`,
        normalize: (v) => {
          const parsed = parseTarget(v as string);
          return parsed ? `${parsed.host}:${parsed.port}` : v;
        },
      },
    },
    { weight: { type: 'integer', default: 100, between: [0, 65535] } },
    { tags: t.tags },
  ],
};
