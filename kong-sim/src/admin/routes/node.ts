/**
 * Node endpoints: `GET /`, `GET /status`, `GET /endpoints`, `GET /plugins/enabled`, `GET /metrics`
 * (kong-sim/KONG_BEHAVIOUR.md#node-endpoints).
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { HttpError } from '../../dao/errors';
import { PLUGIN_SCHEMAS, bundledPluginNames } from '../../schema/plugins';
import type { Row } from '../../schema/types';
import { KONG_VERSION, ok, type AdminContext, type ListenAddress } from '../context';
import type { Router } from '../router';

/**
 * The flags of an http listen address (kong/conf_loader/listeners.lua, `subsystem_flags`). Kong
 * puts a boolean per flag on each parsed listener; an absent flag with a pattern is keyed by the
 * pattern itself (`backlog=%d+: false`). kong-sim's listeners carry none of them.
 */
const HTTP_FLAGS = [
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
];

/**
 * The `*_listen` settings Kong parses into `*_listeners`, with their `ssl_flag`
 * (kong/conf_loader/init.lua, the `listeners.parse` call).
 */
const LISTEN_SETTINGS: { name: string; sslFlag?: string }[] = [
  { name: 'proxy_listen', sslFlag: 'proxy_ssl_enabled' },
  { name: 'stream_listen', sslFlag: 'stream_proxy_ssl_enabled' },
  { name: 'admin_listen', sslFlag: 'admin_ssl_enabled' },
  { name: 'admin_gui_listen', sslFlag: 'admin_gui_ssl_enabled' },
  { name: 'status_listen', sslFlag: 'status_ssl_enabled' },
  { name: 'cluster_listen' },
];

/**
 * An IP as kong/tools/ip.lua `normalize_ip` writes it, with the brackets listeners.lua adds to
 * IPv6: `::1` -> `[0000:0000:0000:0000:0000:0000:0000:0001]`; IPv4 unchanged.
 */
function kongIp(host: string): string {
  if (isIP(host) !== 6) return host;
  const [head = '', tail] = host.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...(tail === undefined ? [] : zeros), ...right];
  return `[${groups.map((g) => g.padStart(4, '0').toLowerCase()).join(':')}]`;
}

/**
 * One listener as kong/conf_loader/listeners.lua `parse_listeners` gives it: every flag false but
 * `http2` where it is on. The `listener` string leaves `http2` out (nginx 1.25.1 deprecated the
 * flag; Kong writes `http2 on;` instead).
 */
function parsedListener({ host, port, http2 = false }: ListenAddress): Row {
  const ip = kongIp(host);
  return {
    ...Object.fromEntries(HTTP_FLAGS.map((flag) => [flag, false])),
    http2,
    ip,
    port,
    listener: `${ip}:${port}`,
  };
}

/**
 * The `*_listen` settings, their parsed `*_listeners` and the `*_ssl_enabled` flags, for the
 * listeners kong-sim really has: plain admin and proxy (no ssl; http2 on the proxy when asked), nothing
 * else (kong-sim has no stream, status, admin GUI or cluster listener, so those are `off`).
 */
function listenConfiguration(ctx: AdminContext): Row {
  const { admin, proxy } = ctx.listen();
  const addresses: Record<string, ListenAddress> = { admin_listen: admin, proxy_listen: proxy };
  const conf: Row = {};
  for (const { name, sslFlag } of LISTEN_SETTINGS) {
    const address = addresses[name];
    const bracketed = address && isIP(address.host) === 6 ? `[${address.host}]` : address?.host;
    const flags = address?.http2 ? ' http2' : '';
    conf[name] = address ? [`${bracketed}:${address.port}${flags}`] : ['off'];
    // Kong's lua-cjson encodes an empty Lua table as `{}`, so an `off` list is `{}`, not `[]`.
    conf[`${name}ers`] = address ? [parsedListener(address)] : {};
    if (sslFlag) conf[sslFlag] = false;
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
      // When writes reach the workers (KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy).
      worker_consistency: ctx.workers.workerConsistency,
      worker_state_update_frequency: ctx.workers.workerStateUpdateFrequency,
      db_update_frequency: 5,
      db_update_propagation: 0,
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
  // The bundled prometheus plugin's API (K:kong/plugins/prometheus/api.lua): there whether or not
  // an instance is configured.
  router.add('/metrics', {
    GET: () => ({
      status: 200,
      text: ctx.metrics(),
      headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
    }),
  });
}
