/**
 * `kong-registry routes`: one row per Kong route (managed and unmanaged): prefix, service, auth,
 * and instances with their registry state and Kong health.
 */
import type { StateSnapshot } from '@kong-registry/sdk';
import type { KongAdminClient } from '../admin-api/client';
import { createAdminClient } from '../admin-api/factory';
import type { ControllerConfig } from '../config';
import { describeError } from '../errors';
import { INSTANCE_TAG_PREFIX, isOwned, tagValue } from '../naming';
import { RegistryClient } from '../registry/client';
import type { PendingRouting } from '../kong/propagation';
import {
  authOf,
  pendingFor,
  readKongView,
  readUpstreamHealth,
  serviceOf,
  upstreamOf,
} from './kong-view';
import { describeRoutePaths } from '../kong/prefix-paths';
import { COMMAND_VARIABLES, configFromFlags, helpText, parseFlags } from './options';

const HELP = helpText(
  'kong-registry routes [options]',
  'Lists every Kong route: prefix, service, auth, and each instance with its registry state and\n' +
    "Kong's health. Routes we do not manage are listed too (managed: no). Without REGISTRY_URL the\n" +
    "registry columns are left out. A prefix marked * was written too recently for Kong's workers\n" +
    "to be sure to route it yet (their rebuild period, from Kong's GET /); a note says until when.",
  COMMAND_VARIABLES.routes,
  { fromDemo: true },
);

/** One instance of a route row. */
export interface RouteInstance {
  target: string;
  weight: number;
  kongHealth: string;
  instanceId: string | undefined;
  registry: string;
}

/** One row of the table. */
export interface RouteRowView {
  prefix: string;
  route: string;
  service: string;
  managed: boolean;
  auth: string[];
  instances: RouteInstance[];
  /** Present when Kong has the route but its workers may not route with it yet. */
  pending?: PendingRouting;
}

/** Builds the rows (reads Kong and, when configured, the registry). */
export async function buildRouteRows(
  config: ControllerConfig,
  client: KongAdminClient,
  registry?: RegistryClient,
): Promise<RouteRowView[]> {
  const [view, snapshot] = await Promise.all([
    readKongView(client),
    registry ? registry.getState() : Promise.resolve<StateSnapshot | undefined>(undefined),
  ]);
  const registryState = new Map<string, string>();
  for (const svc of snapshot?.services ?? []) {
    for (const i of svc.instances) {
      const state = i.draining ? 'draining' : 'live';
      registryState.set(
        i.instanceId,
        `${state}${i.gatewayHealth ? `, reported ${i.gatewayHealth.status}` : ''}`,
      );
    }
  }
  const rows: RouteRowView[] = [];
  const now = Date.now();
  for (const route of view.routes) {
    const pending = pendingFor(view, route, now);
    const service = serviceOf(view, route);
    const upstream = upstreamOf(view, service);
    const health = upstream ? await readUpstreamHealth(client, upstream) : [];
    rows.push({
      prefix: describeRoutePaths(Array.isArray(route.paths) ? (route.paths as string[]) : []),
      route: String(route.name ?? route.id),
      service: service ? String(service.name ?? service.id) : '(none)',
      managed: isOwned(route.tags, config.ownershipTag),
      auth: authOf(view, route),
      instances: health.map((row) => {
        const instanceId = tagValue(row.tags, INSTANCE_TAG_PREFIX);
        return {
          target: String(row.target),
          weight: Number(row.weight),
          kongHealth: String(row.health ?? 'UNKNOWN'),
          instanceId,
          registry: !snapshot
            ? 'n/a'
            : instanceId && registryState.has(instanceId)
              ? registryState.get(instanceId)!
              : 'not registered',
        };
      }),
      ...(pending ? { pending } : {}),
    });
  }
  return rows.sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** Renders rows as an aligned text table. */
export function formatRouteTable(rows: RouteRowView[]): string {
  const header = [
    'PREFIX',
    'SERVICE',
    'MANAGED',
    'AUTH',
    'INSTANCES (target weight kong-health / registry)',
  ];
  const body = rows.map((r) => [
    r.pending ? `${r.prefix} *` : r.prefix,
    r.service,
    r.managed ? 'yes' : 'no',
    r.auth.join(' + ') || 'none',
    r.instances
      .map((i) => `${i.target} w=${i.weight} ${i.kongHealth} / ${i.registry}`)
      .join('; ') || '(none)',
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...body.map((row) => row[col]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const notes = rows.filter((r) => r.pending).map((r) => `* ${r.prefix}: ${r.pending!.note}`);
  return [line(header), ...body.map(line), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** `routes`: prints the table (or JSON). */
export async function runRoutesCommand(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv);
  if (!parsed) return 1;
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const config = configFromFlags(parsed.flags, { registryOptional: true, fromDemo: true });
  if (!config) return 1;
  const client = createAdminClient(config.kong, config.kong.urls[0]!);
  const registry = config.registryUrl
    ? new RegistryClient({ url: config.registryUrl, token: config.registryToken })
    : undefined;
  try {
    const rows = await buildRouteRows(config, client, registry);
    console.log(parsed.flags.json ? JSON.stringify(rows, null, 2) : formatRouteTable(rows));
    return 0;
  } catch (err) {
    console.error(`kong-registry routes: ${describeError(err)}`);
    return 1;
  } finally {
    await Promise.all([client.close(), registry?.close()]);
  }
}
