/** Node endpoints: `GET /`, `GET /status`, `GET /endpoints`, `GET /plugins/enabled` (facts §5). */
import { hostname } from 'node:os';
import { HttpError } from '../../dao/errors';
import { PLUGIN_SCHEMAS, bundledPluginNames } from '../../schema/plugins';
import type { Row } from '../../schema/types';
import { KONG_VERSION, ok, type AdminContext } from '../context';
import type { Router } from '../router';

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
      admin_listen: ['127.0.0.1:8001'],
      proxy_listen: ['0.0.0.0:8000'],
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
