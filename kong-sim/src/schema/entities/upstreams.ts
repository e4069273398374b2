/** Upstream schema (K:kong/db/schema/entities/upstreams.lua). */
import * as t from '../typedefs';
import type { EntitySchema, FieldDef, Row } from '../types';

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'];
const CHECK_TYPES = ['tcp', 'http', 'https', 'grpc', 'grpcs'];
const counter: FieldDef = { type: 'integer', between: [0, 255], default: 0 };
const seconds: FieldDef = { type: 'number', between: [0, 65535], default: 0 };
const statuses = (list: number[]): FieldDef => ({
  type: 'array',
  default: list,
  elements: { type: 'integer', between: [100, 999] },
});

/** The `healthchecks` record with every default (`healthchecks_config` in upstreams.lua). */
const healthchecks: FieldDef = {
  type: 'record',
  default: {},
  fields: [
    {
      active: {
        type: 'record',
        fields: [
          { type: { type: 'string', default: 'http', one_of: CHECK_TYPES } },
          { timeout: { type: 'number', default: 1, between: [0, 65535] } },
          { concurrency: { type: 'integer', default: 10, between: [1, 2147483648] } },
          { http_path: { ...t.path, default: '/' } },
          { https_sni: { type: 'string' } },
          { https_verify_certificate: { type: 'boolean', default: true } },
          {
            headers: {
              type: 'map',
              keys: { type: 'string' },
              values: { type: 'array', elements: { type: 'string' } },
            },
          },
          {
            healthy: {
              type: 'record',
              fields: [
                { interval: seconds },
                { http_statuses: statuses([200, 302]) },
                { successes: counter },
              ],
            },
          },
          {
            unhealthy: {
              type: 'record',
              fields: [
                { interval: seconds },
                { http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]) },
                { tcp_failures: counter },
                { timeouts: counter },
                { http_failures: counter },
              ],
            },
          },
        ],
      },
    },
    {
      passive: {
        type: 'record',
        fields: [
          { type: { type: 'string', default: 'http', one_of: CHECK_TYPES } },
          {
            healthy: {
              type: 'record',
              fields: [
                {
                  http_statuses: statuses([
                    200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305,
                    306, 307, 308,
                  ]),
                },
                { successes: counter },
              ],
            },
          },
          {
            unhealthy: {
              type: 'record',
              fields: [
                { http_statuses: statuses([429, 500, 503]) },
                { tcp_failures: counter },
                { timeouts: counter },
                { http_failures: counter },
              ],
            },
          },
        ],
      },
    },
    { threshold: { type: 'number', default: 0, between: [0, 100] } },
  ],
};

const upstreamName: FieldDef = {
  type: 'string',
  required: true,
  unique: true,
  custom: (v) => {
    const value = v as string;
    if (t.isIpv4(value) || t.isIpv6(value))
      return `Invalid name ('${value}'); no ip addresses allowed`;
    if (/:\d+$/.test(value)) return `Invalid name ('${value}'); no port allowed`;
    return t.isHostname(value) ? undefined : `Invalid name ('${value}'); must be a valid hostname`;
  },
};

/**
 * Kong's algorithm / hash_on rewrites, applied only when the body contains the field
 * (`shorthand_fields` in K:kong/db/schema/entities/upstreams.lua): least-connections and latency
 * clear hash_on; any other hash_on means consistent-hashing.
 */
function rewriteHashing(input: Row): Row {
  const out = { ...input };
  if (out.algorithm === 'least-connections' || out.algorithm === 'latency') {
    out.hash_on = 'none';
    return out;
  }
  if (!('hash_on' in input)) return out;
  if (out.hash_on === null || out.hash_on === 'none') {
    out.hash_on = 'none';
    if (out.algorithm === undefined || out.algorithm === 'consistent-hashing')
      out.algorithm = 'round-robin';
  } else {
    out.algorithm = 'consistent-hashing';
  }
  return out;
}

/** Upstream entity. */
export const upstreams: EntitySchema = {
  name: 'upstreams',
  adminPath: 'upstreams',
  endpointKey: 'name',
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { updated_at: t.autoTimestamp },
    { name: upstreamName },
    {
      algorithm: {
        type: 'string',
        default: 'round-robin',
        one_of: ['consistent-hashing', 'least-connections', 'round-robin', 'latency'],
      },
    },
    { hash_on: { type: 'string', default: 'none', one_of: HASH_ON } },
    { hash_fallback: { type: 'string', default: 'none', one_of: HASH_ON } },
    { hash_on_header: { type: 'string' } },
    { hash_fallback_header: { type: 'string' } },
    { hash_on_cookie: { type: 'string' } },
    { hash_on_cookie_path: { ...t.path, default: '/' } },
    { hash_on_query_arg: { type: 'string' } },
    { hash_fallback_query_arg: { type: 'string' } },
    { hash_on_uri_capture: { type: 'string' } },
    { hash_fallback_uri_capture: { type: 'string' } },
    { slots: { type: 'integer', default: 10000, between: [10, 65536] } },
    { healthchecks },
    { tags: t.tags },
    { host_header: { type: 'string' } },
    { client_certificate: t.foreign('certificates') },
    { use_srv_name: { type: 'boolean', default: false } },
  ],
  shorthands: rewriteHashing,
  check(row) {
    const fields: Record<string, string> = {};
    const entity: string[] = [];
    const on = row.hash_on as string;
    const fallback = row.hash_fallback as string;
    if ((on === 'none' || on === 'cookie') && fallback !== 'none')
      fields.hash_fallback = 'expected one of: none';
    else if (
      on !== 'none' &&
      fallback === on &&
      !['header', 'query_arg', 'uri_capture'].includes(on)
    )
      fields.hash_fallback = `value must not be ${on}`;
    if (on === 'header' && row.hash_on_header === null)
      fields.hash_on_header = 'required field missing';
    if (fallback === 'header' && row.hash_fallback_header === null)
      fields.hash_fallback_header = 'required field missing';
    if ((on === 'cookie' || fallback === 'cookie') && row.hash_on_cookie === null)
      fields.hash_on_cookie = 'required field missing';
    if (row.hash_on_header !== null && row.hash_on_header === row.hash_fallback_header)
      entity.push(
        "values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'",
      );
    return entity.length + Object.keys(fields).length > 0 ? { entity, fields } : undefined;
  },
};
