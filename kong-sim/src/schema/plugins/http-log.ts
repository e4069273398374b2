/** http-log config (K:kong/plugins/http-log/schema.lua). */
import { queue } from '../queue';
import { parseSocketUrl } from '../socket-url';
import * as t from '../typedefs';
import type { FieldDef } from '../types';
import type { PluginSchema } from './types';

/** A legacy field that still exists, read by the queue when set (K:kong/tools/queue.lua). */
function legacy(type: 'integer' | 'number', name: string, use: string, old: number): FieldDef {
  return {
    type,
    deprecation: {
      message:
        name === 'retry_count'
          ? `http-log: config.retry_count no longer works, please use config.${use} instead`
          : `http-log: config.${name} is deprecated, please use config.${use} instead`,
      removal_in_version: '4.0',
      old_default: old,
    },
  };
}

/**
 * Header names Kong sets itself. Its Content-Length pattern has a lowercase-only `n` in
 * "Length" (`[nn]`), so `CONTENT-LENGTH` slips through; kept as Kong has it.
 */
const RESERVED_HEADERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^[Hh][Oo][Ss][Tt]$/, "cannot contain 'Host' header"],
  [
    /^[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee]n[Gg][Tt][Hh]$/,
    "cannot contain 'Content-Length' header",
  ],
  [/^[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Tt][Yy][Pp][Ee]$/, "cannot contain 'Content-Type' header"],
];

/** A header name for `config.headers`: the reserved ones first (`match_none` runs first). */
const logHeaderName: FieldDef = {
  ...t.headerName,
  custom: (v) =>
    RESERVED_HEADERS.find(([pattern]) => pattern.test(String(v)))?.[1] ?? t.headerName.custom?.(v),
};

/** http-log. */
export const httpLog: PluginSchema = {
  name: 'http-log',
  priority: 12,
  config: [
    { http_endpoint: { ...t.url, required: true, encrypted: true, referenceable: true } },
    { method: { type: 'string', default: 'POST', one_of: ['POST', 'PUT', 'PATCH'] } },
    {
      content_type: {
        type: 'string',
        default: 'application/json',
        one_of: ['application/json', 'application/json; charset=utf-8'],
      },
    },
    { timeout: { type: 'number', default: 10000 } },
    { keepalive: { type: 'number', default: 60000 } },
    { retry_count: legacy('integer', 'retry_count', 'queue.max_retry_time', 10) },
    { queue_size: legacy('integer', 'queue_size', 'queue.max_batch_size', 1) },
    { flush_timeout: legacy('number', 'flush_timeout', 'queue.max_coalescing_delay', 2) },
    {
      headers: {
        type: 'map',
        keys: logHeaderName,
        values: { type: 'string', referenceable: true },
      },
    },
    { queue },
    { custom_fields_by_lua: t.luaCode },
  ],
  // The record's custom_validator: basic auth comes from the URL or from a header, not both.
  configCheck(config) {
    const userinfo = parseSocketUrl(String(config.http_endpoint))?.userinfo;
    const headers = (config.headers ?? {}) as Record<string, unknown>;
    if (
      userinfo !== undefined &&
      Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')
    )
      return "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed";
    return undefined;
  },
};
