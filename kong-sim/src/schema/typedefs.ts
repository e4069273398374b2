/** Field definitions shared by several entities (K:kong/db/schema/typedefs.lua). */
import { randomBytes } from 'node:crypto';
import { urlError } from './socket-url';
import type { FieldDef } from './types';

/** Primary key. */
export const id: FieldDef = { type: 'string', uuid: true, auto: true };
/** Integer seconds, set by the DAO. */
export const autoTimestamp: FieldDef = { type: 'integer', timestamp: true, auto: true };
/** Float seconds (targets). */
export const autoTimestampMs: FieldDef = { type: 'number', timestamp: true, auto: true };

const TAG_RE = /^[\x20-\x2b\x2d\x2e\x30-\x7e\u0080-\u{10ffff}]+$/u;

/** Message for a stored tag that breaks Kong's charset rule (K:kong/db/schema/typedefs.lua). */
export function tagError(tag: string): string | undefined {
  return TAG_RE.test(tag)
    ? undefined
    : `invalid tag '${tag}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`;
}

/** `tag`: one tag, required wherever it appears (the `tags` entity, `tags` elements). */
export const tag: FieldDef = {
  type: 'string',
  required: true,
  custom: (v) => tagError(v as string),
};

/** `tags`: a set of tags. */
export const tags: FieldDef = { type: 'set', elements: tag };

const NAME_RE = /^[A-Za-z0-9.\-_~\u0080-\u{10ffff}]+$/u;

/** Kong's `utf8_name` (service, route, instance names). */
export const utf8Name: FieldDef = {
  type: 'string',
  unique: true,
  custom: (v) =>
    NAME_RE.test(v as string)
      ? undefined
      : `invalid value '${String(v)}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`,
};

const HOSTNAME_RE =
  /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for a dotted IPv4 address. */
export function isIpv4(value: string): boolean {
  const m = IPV4_RE.exec(value);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

/** True for a bare (unbracketed) IPv6 address. */
export function isIpv6(value: string): boolean {
  return value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value);
}

/** True for a hostname Kong accepts (labels of letters, digits, `-` and `_`). */
export function isHostname(value: string): boolean {
  return HOSTNAME_RE.test(value);
}

/** Kong's `host` typedef: a hostname or an IP, without a port. */
export const host: FieldDef = {
  type: 'string',
  custom: (v) => {
    const value = v as string;
    if (isIpv4(value) || isIpv6(value.replace(/^\[|\]$/g, ''))) return undefined;
    if (/:\d*$/.test(value)) return 'must not have a port';
    return isHostname(value) ? undefined : 'invalid value: ' + value;
  },
};

/** Kong's `port` typedef. */
export const port: FieldDef = { type: 'integer', between: [0, 65535] };

/** Kong's `timeout` typedef (milliseconds). */
export const timeout: FieldDef = { type: 'integer', between: [1, 2147483646], default: 60000 };

/** Kong's `path` typedef: absolute, no `//`, RFC 3986 characters, valid percent-encoding. */
export const path: FieldDef = {
  type: 'string',
  starts_with: '/',
  custom: (v) => pathError(v as string),
};

/** Kong's `validate_path` plus the `//` rule (K:kong/db/schema/typedefs.lua). */
export function pathError(value: string): string | undefined {
  if (value.includes('//')) return 'must not have empty segments';
  if (!/^\/[A-Za-z0-9.\-_~/%:@!$&'()*+,;=]*$/.test(value))
    return `invalid path: '${value}' (characters outside of the reserved list of RFC 3986 found)`;
  const stray = /%.{0,2}/.exec(value.replace(/%[0-9A-Fa-f]{2}/g, '___'));
  if (stray) return `invalid url-encoded value: '${stray[0]}'`;
  return undefined;
}

/** A foreign key to `reference` with Kong's on_delete rule. */
export function foreign(reference: string, extra: Partial<FieldDef> = {}): FieldDef {
  return { type: 'foreign', reference, ...extra };
}

/** Protocols every HTTP plugin accepts by default (K:kong/db/schema/typedefs.lua). */
export const PLUGIN_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'] as const;

/** Protocol enum shared by services, routes and plugins. */
export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'];

/** Random alphanumeric string, Kong's `auto` value for credential keys and secrets. */
export function randomAlnum(length = 32): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}

/** Kong's `url` typedef: a URL with a scheme and a host, as LuaSocket parses it. */
export const url: FieldDef = { type: 'string', custom: (v) => urlError(v as string) };

/** Kong's `header_name` typedef (K:kong/tools/http.lua `validate_header_name`). */
export const headerName: FieldDef = {
  type: 'string',
  custom: (v) =>
    /^[A-Za-z0-9_-]+$/.test(String(v))
      ? undefined
      : `bad header name '${String(v)}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`,
};

/**
 * Kong's `lua_code` typedef: a map of names to Lua expressions. Kong parses each one in its
 * sandbox; kong-sim cannot, so it checks only that names and code are non-empty strings (and
 * never runs them).
 */
export const luaCode: FieldDef = {
  type: 'map',
  keys: { type: 'string', len_min: 1 },
  values: { type: 'string', len_min: 1 },
};
