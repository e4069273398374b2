/**
 * Node endpoints: `GET /`, `GET /status`, `GET /endpoints`, `GET /plugins/enabled`
 * (kong-sim/KONG_BEHAVIOUR.md#node-endpoints).
 */
import { hostname } from 'node:os';
import { HttpError } from '../../dao/errors';
import { PLUGIN_SCHEMAS, bundledPluginNames } from '../../schema/plugins';
import type { Row } from '../../schema/types';
import { KONG_VERSION, ok, type AdminContext } from '../context';
import type { Router } from '../router';

/**
 * The flags Kong accepts after a listen address, as Lua patterns
 * (kong/conf_loader/listeners.lua, `subsystem_flags`).
 */
const SUBSYSTEM_FLAGS = {
  http: [
    'ssl',
    'http2',
    'proxy_protocol',
    'deferred',
    'bind',
    'reuseport',
    'backlog=%d+',
    'ipv6only=on',
    'ipv6only=off',
    'so_keepalive=on',
    'so_keepalive=off',
    'so_keepalive=%w*:%w*:%d*',
  ],
  stream: [
    'udp',
    'ssl',
    'proxy_protocol',
    'bind',
    'reuseport',
    'backlog=%d+',
    'ipv6only=on',
    'ipv6only=off',
    'so_keepalive=on',
    'so_keepalive=off',
    'so_keepalive=%w*:%w*:%d*',
  ],
} as const;

/**
 * The `*_listen` settings Kong parses into `*_listeners`, with their subsystem and `ssl_flag`
 * (kong/conf_loader/init.lua, the `listeners.parse` call).
 */
const LISTEN_SETTINGS: {
  name: string;
  subsystem: keyof typeof SUBSYSTEM_FLAGS;
  sslFlag?: string;
}[] = [
  { name: 'proxy_listen', subsystem: 'http', sslFlag: 'proxy_ssl_enabled' },
  { name: 'stream_listen', subsystem: 'stream', sslFlag: 'stream_proxy_ssl_enabled' },
  { name: 'admin_listen', subsystem: 'http', sslFlag: 'admin_ssl_enabled' },
  { name: 'admin_gui_listen', subsystem: 'http', sslFlag: 'admin_gui_ssl_enabled' },
  { name: 'status_listen', subsystem: 'http', sslFlag: 'status_ssl_enabled' },
  { name: 'cluster_listen', subsystem: 'http' },
];

/** One parsed listener: `ip`, `port`, `listener` and a boolean per flag. */
type Listener = Record<string, string | number | boolean>;

/** A Lua pattern from SUBSYSTEM_FLAGS as a RegExp source (%d digit, %w alphanumeric). */
function luaPatternSource(flag: string): string {
  return flag.replace(/%d/g, '\\d').replace(/%w/g, '[A-Za-z0-9]');
}

/**
 * kong/conf_loader/listeners.lua `parse_option_flags`: removes the flags from `value`, and sets
 * `flags[flag]` to whether each is present. A present pattern flag is keyed by what it matched
 * (`backlog=16384: true`); an absent one by the pattern itself (`backlog=%d+: false`).
 */
function parseOptionFlags(
  value: string,
  flags: readonly string[],
): { remainder: string; flags: Record<string, boolean>; sanitized: string } {
  let rest = ` ${value} `;
  const result: Record<string, boolean> = {};
  const sanitized: string[] = [];
  for (const pattern of flags) {
    const source = `\\s(${luaPatternSource(pattern)})\\s`;
    const flag = new RegExp(source).exec(rest)?.[1] ?? pattern;
    let count = 0;
    rest = rest.replace(new RegExp(source, 'g'), () => {
      count += 1;
      return ' ';
    });
    result[flag] = count > 0;
    // nginx 1.25.1 deprecated the `http2` listen flag, so Kong leaves it out of `listener`.
    if (count > 0 && flag !== 'http2') sanitized.push(flag);
  }
  return { remainder: rest.trim(), flags: result, sanitized: sanitized.join(' ') };
}

/** kong/tools/ip.lua `normalize_ipv4` (with a port): `001.2.3.4:80` → `1.2.3.4`, 80. */
function normalizeIpv4(address: string): { host: string; port: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d+)$/.exec(address);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const port = Number(m[5]);
  if (octets.some((o) => o > 255) || port > 65535) return undefined;
  return { host: octets.join('.'), port };
}

/**
 * kong/tools/ip.lua `normalize_ipv6` (with a port), plus the brackets listeners.lua adds:
 * `[::1]:80` → `[0000:0000:0000:0000:0000:0000:0000:0001]`, 80.
 */
function normalizeIpv6(address: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]*)\]:(\d+)$/.exec(address);
  if (!m) return undefined;
  let check = m[1]!;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  if (check.startsWith(':')) check = `0${check}`;
  if (check.endsWith(':')) check = `${check}0`;
  if (check.includes('::')) {
    const colons = check.split(':').length - 1;
    check = check.replace('::', `:${'0:'.repeat(8 - colons)}`);
  }
  const groups = check.split(':');
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return {
    host: `[${groups
      .map((g) => g.padStart(4, '0'))
      .join(':')
      .toLowerCase()}]`,
    port,
  };
}

/**
 * kong/conf_loader/listeners.lua `parse_listeners`: `off` gives no listeners; otherwise each
 * entry becomes `{ip, port, listener, <flag>: boolean...}`. An IP is normalised (IPv6 in
 * brackets, port a number); a host name is kept as written, its port a string as in Kong.
 */
function parseListeners(values: string[], flags: readonly string[]): Listener[] {
  if (values[0]?.trim() === 'off') return [];
  return values.map((entry) => {
    const { remainder, flags: found, sanitized } = parseOptionFlags(entry, flags);
    // kong/tools/ip.lua `hostname_type`
    const colons = remainder.split(':').length - 1;
    const named = /^(.+):(\d+)$/.exec(remainder);
    let ip: { host: string; port: number | string } | undefined;
    if (colons > 1) ip = normalizeIpv6(remainder);
    else if (/^[\d.]+$/.test(remainder.replace(/:/g, ''))) ip = normalizeIpv4(remainder);
    else if (named) ip = { host: named[1]!, port: named[2]! };
    // Kong refuses to start on an address it cannot parse (e.g. an IPv6 zone id); kong-sim
    // binds it anyway, so report it as written rather than fail GET /.
    ip ??= { host: named?.[1] ?? remainder, port: Number(named?.[2] ?? 0) };
    const listener = `${ip.host}:${ip.port}${sanitized ? ` ${sanitized}` : ''}`;
    return { ...found, ip: ip.host, port: ip.port, listener };
  });
}

/**
 * The `*_listen` settings, their parsed `*_listeners` and the `*_ssl_enabled` flags, for the
 * listeners kong-sim really has: plain HTTP/1.1 admin and proxy (no ssl, no http2), nothing
 * else (kong-sim has no stream, status, admin GUI or cluster listener, so those are `off`).
 */
function listenConfiguration(ctx: AdminContext): Row {
  const { admin, proxy } = ctx.listen();
  const values: Record<string, string[]> = { admin_listen: admin, proxy_listen: proxy };
  const conf: Row = {};
  for (const { name, subsystem, sslFlag } of LISTEN_SETTINGS) {
    const listen = values[name] ?? ['off'];
    const listeners = parseListeners(listen, SUBSYSTEM_FLAGS[subsystem]);
    conf[name] = listen;
    // Kong's lua-cjson encodes an empty Lua table as `{}`, so an `off` list is `{}`, not `[]`.
    conf[`${name}ers`] = listeners.length === 0 ? {} : listeners;
    if (sslFlag) conf[sslFlag] = listeners.some((l) => l.ssl === true);
  }
  return conf;
}

function rootInfo(ctx: AdminContext): Row {
  const available = Object.fromEntries(
    bundledPluginNames().map((name) => [
      name,
      { version: KONG_VERSION, priority: PLUGIN_SCHEMAS.get(name)?.priority },
    ]),
  );
  const enabledInCluster = [
    ...new Set(ctx.dao.store.rows('plugins').map((p) => p.name as string)),
  ].sort();
  return {
    tagline: 'Welcome to kong',
    version: KONG_VERSION,
    edition: 'community',
    hostname: hostname(),
    node_id: ctx.nodeId,
    lua_version: 'LuaJIT 2.1.0-20231117 (kong-sim)',
    timers: { running: 0, pending: 0 },
    plugins: { available_on_server: available, enabled_in_cluster: enabledInCluster },
    configuration: {
      database: ctx.mode === 'dbless' ? 'off' : 'postgres',
      role: 'traditional',
      router_flavor: 'traditional_compatible',
      log_level: 'notice',
      plugins: ['bundled'],
      loaded_plugins: Object.fromEntries(bundledPluginNames().map((name) => [name, true])),
      ...listenConfiguration(ctx),
      portal: false,
      rbac: 'off',
      pg_password: '******',
    },
    pids: { master: process.pid, workers: [process.pid] },
  };
}

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function statusInfo(ctx: AdminContext, unitParam: string | null): Row {
  const unit = (unitParam ?? 'm').toLowerCase();
  const divisor = UNITS[unit];
  if (divisor === undefined)
    throw new HttpError(400, `invalid unit '${unitParam ?? ''}' (expected 'k/K', 'm/M', or 'g/G')`);
  const suffix = unit === 'b' ? ' bytes' : ` ${unit.toUpperCase()}iB`;
  const size = (bytes: number): string =>
    (unit === 'b' ? `${bytes}` : (bytes / divisor).toFixed(2)) + suffix;
  const body: Row = {
    memory: {
      lua_shared_dicts: {
        kong: { capacity: size(5 * 1024 ** 2), allocated_slabs: size(40 * 1024) },
      },
      workers_lua_vms: [
        { http_allocated_gc: size(process.memoryUsage().heapUsed), pid: process.pid },
      ],
    },
    server: {
      connections_accepted: 0,
      connections_active: 0,
      connections_handled: 0,
      connections_reading: 0,
      connections_writing: 0,
      connections_waiting: 0,
      total_requests: 0,
    },
  };
  if (ctx.mode === 'dbless') body.configuration_hash = ctx.configHash();
  else body.database = { reachable: true };
  return body;
}

/** Registers the node endpoints; `/endpoints` reads the final route table lazily. */
export function mountNodeRoutes(router: Router, ctx: AdminContext): void {
  router.add('/', { GET: () => ok(rootInfo(ctx)) });
  router.add('/status', { GET: (req) => ok(statusInfo(ctx, req.query.get('unit'))) });
  router.add('/endpoints', { GET: () => ok({ data: router.patterns() }) });
  router.add('/plugins/enabled', { GET: () => ok({ enabled_plugins: bundledPluginNames() }) });
}
