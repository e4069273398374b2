/** Service schema (K:kong/db/schema/entities/services.lua). */
import * as t from '../typedefs';
import type { EntitySchema, Row } from '../types';

const NO_PATH_PROTOCOLS = ['tcp', 'tls', 'udp', 'grpc', 'grpcs', 'tls_passthrough'];
const TLS_ONLY_FIELDS = ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates'];

/** Splits the write-only `url` shorthand into protocol, host, port and path. */
function expandUrl(input: Row): Row {
  if (typeof input.url !== 'string') return input;
  const { url, ...rest } = input;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ...rest, host: null };
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  const defaultPort = protocol === 'https' ? 443 : 80;
  const rawPath = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(url)?.[1];
  return {
    ...rest,
    protocol,
    host: parsed.hostname === '' ? null : parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? defaultPort : Number(parsed.port),
    path: rawPath === undefined || rawPath === '' ? null : rawPath,
  };
}

/** Service entity. */
export const services: EntitySchema = {
  name: 'services',
  adminPath: 'services',
  endpointKey: 'name',
  writeOnly: ['url'],
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { updated_at: t.autoTimestamp },
    { name: t.utf8Name },
    { retries: { type: 'integer', default: 5, between: [0, 32767] } },
    { protocol: { type: 'string', required: true, default: 'http', one_of: t.PROTOCOLS } },
    { host: { ...t.host, required: true } },
    { port: { ...t.port, required: true, default: 80 } },
    { path: t.path },
    { connect_timeout: t.timeout },
    { write_timeout: t.timeout },
    { read_timeout: t.timeout },
    { tags: t.tags },
    { client_certificate: t.foreign('certificates') },
    { tls_verify: { type: 'boolean' } },
    { tls_verify_depth: { type: 'integer', between: [0, 64] } },
    {
      ca_certificates: { type: 'array', elements: { type: 'string', uuid: true } },
    },
    { enabled: { type: 'boolean', required: true, default: true } },
  ],
  entityChecks: [
    {
      conditional: {
        if_field: 'protocol',
        if_match: { one_of: NO_PATH_PROTOCOLS },
        then_field: 'path',
        then_match: { eq: null },
      },
    },
  ],
  shorthands: expandUrl,
  check(row) {
    const fields: Record<string, string> = {};
    const protocol = row.protocol as string;
    if (NO_PATH_PROTOCOLS.includes(protocol) && row.path !== null)
      fields.path = 'value must be null';
    if (protocol !== 'https' && protocol !== 'tls') {
      for (const name of TLS_ONLY_FIELDS)
        if (row[name] !== null) fields[name] = 'value must be null';
    }
    return Object.keys(fields).length > 0 ? { fields } : undefined;
  },
};
