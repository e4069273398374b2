/** Route schema (K:kong/db/schema/entities/routes.lua, routes_subschemas.lua). */
import * as t from '../typedefs';
import type { EntitySchema, FieldDef, Row } from '../types';

/** Which attributes must be set per protocol, and how Kong names the protocol in the message. */
const REQUIRED_ATTRIBUTES: ReadonlyArray<[string, string[]]> = [
  ['https', ['methods', 'hosts', 'headers', 'paths', 'snis']],
  ['http', ['methods', 'hosts', 'headers', 'paths']],
  ['grpcs', ['hosts', 'headers', 'paths', 'snis']],
  ['grpc', ['hosts', 'headers', 'paths']],
  ['tls_passthrough', ['snis']],
  ['tcp', ['sources', 'destinations', 'snis']],
  ['tls', ['sources', 'destinations', 'snis']],
  ['udp', ['sources', 'destinations', 'snis']],
];

const routePath: FieldDef = {
  type: 'string',
  custom: (v) => {
    const value = v as string;
    if (value.startsWith('~')) {
      try {
        new RegExp(value.slice(1));
        return undefined;
      } catch {
        return `invalid regex: '${value.slice(1)}'`;
      }
    }
    if (!value.startsWith('/')) return 'should start with: / (fixed path) or ~/ (regex path)';
    if (value.includes('//')) return 'must not have empty segments';
    const normalized = value.replace(/\/\.(?=\/|$)/g, '').replace(/[^/]+\/\.\.(\/|$)/g, '');
    if (normalized !== value)
      return `non-normalized path, consider use '${normalized || '/'}' instead`;
    return undefined;
  },
};

const routeHost: FieldDef = {
  type: 'string',
  custom: (v) => {
    const value = (v as string).replace(/:\d+$/, '');
    const wildcards = (value.match(/\*/g) ?? []).length;
    if (wildcards > 1) return 'invalid wildcard: must have at most one wildcard';
    if (wildcards === 1 && !value.startsWith('*.') && !value.endsWith('.*'))
      return 'invalid wildcard: must be placed at leftmost or rightmost label';
    const plain = value.replace(/^\*\./, 'x.').replace(/\.\*$/, '.x');
    return t.isHostname(plain) || t.isIpv4(plain) ? undefined : `invalid hostname: ${String(v)}`;
  },
};

function isSet(row: Row, name: string): boolean {
  const value = row[name];
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== 'object' || Object.keys(value).length > 0;
}

/** Route entity. */
export const routes: EntitySchema = {
  name: 'routes',
  adminPath: 'routes',
  endpointKey: 'name',
  fields: [
    { id: t.id },
    { created_at: t.autoTimestamp },
    { updated_at: t.autoTimestamp },
    { name: t.utf8Name },
    {
      protocols: {
        type: 'set',
        required: true,
        default: ['http', 'https'],
        elements: { type: 'string', one_of: t.PROTOCOLS },
      },
    },
    {
      https_redirect_status_code: {
        type: 'integer',
        required: true,
        default: 426,
        one_of: [426, 301, 302, 307, 308],
      },
    },
    { strip_path: { type: 'boolean', required: true, default: true } },
    { preserve_host: { type: 'boolean', required: true, default: false } },
    { request_buffering: { type: 'boolean', required: true, default: true } },
    { response_buffering: { type: 'boolean', required: true, default: true } },
    { tags: t.tags },
    { service: t.foreign('services') },
    { snis: { type: 'set', elements: { type: 'string' } } },
    {
      sources: {
        type: 'set',
        elements: { type: 'record', fields: [{ ip: { type: 'string' } }, { port: t.port }] },
      },
    },
    {
      destinations: {
        type: 'set',
        elements: { type: 'record', fields: [{ ip: { type: 'string' } }, { port: t.port }] },
      },
    },
    {
      methods: {
        type: 'set',
        elements: {
          type: 'string',
          custom: (v) => (/^[A-Z]+$/.test(v as string) ? undefined : `invalid value: ${String(v)}`),
        },
      },
    },
    { hosts: { type: 'array', elements: routeHost } },
    { paths: { type: 'array', elements: routePath } },
    {
      headers: {
        type: 'map',
        keys: {
          type: 'string',
          custom: (v) =>
            String(v).toLowerCase() === 'host'
              ? "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
              : undefined,
        },
        values: { type: 'array', elements: { type: 'string' } },
      },
    },
    { regex_priority: { type: 'integer', default: 0 } },
    { path_handling: { type: 'string', default: 'v0', one_of: ['v0', 'v1'] } },
  ],
  // grpc routes default strip_path to false (a true value is rejected).
  shorthands(input) {
    const protocols = Array.isArray(input.protocols) ? (input.protocols as unknown[]) : [];
    const grpc = protocols.includes('grpc') || protocols.includes('grpcs');
    return grpc && input.strip_path === undefined ? { ...input, strip_path: false } : input;
  },
  check(row) {
    const protocols = (row.protocols as string[] | null) ?? [];
    const entity: string[] = [];
    const fields: Record<string, string> = {};
    for (const [protocol, attributes] of REQUIRED_ATTRIBUTES) {
      if (!protocols.includes(protocol)) continue;
      if (!attributes.some((name) => isSet(row, name))) {
        const list = attributes.map((a) => `'${a}'`).join(', ');
        entity.push(`must set one of ${list} when 'protocols' is '${protocol}'`);
      }
      break;
    }
    const grpc = protocols.includes('grpc') || protocols.includes('grpcs');
    if (grpc && row.strip_path === true)
      fields.strip_path = "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'";
    if (grpc && isSet(row, 'methods'))
      fields.methods = "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'";
    return entity.length + Object.keys(fields).length > 0 ? { entity, fields } : undefined;
  },
};
