/**
 * `kong-registry routes`: one row per Kong route (managed and unmanaged): prefix, service, auth,
 * and instances with their registry state, labels and Kong health; then the route-less services
 * of the registry (workers), which have no route in Kong. `--label key=value` keeps the instances
 * with those labels.
 */
import {
  isRouted,
  matchesLabels,
  parseLabelSelector,
  type Instance,
  type LabelSelector,
  type StateSnapshot,
} from '@kong-registry/sdk';
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
    "to be sure to route it yet (their rebuild period, from Kong's GET /); a note says until when.\n" +
    'Route-less services (workers, registered with route: false) follow under "Workers (no route)",\n' +
    'with their own health; in --json they are rows with routeless: true.',
  COMMAND_VARIABLES.routes,
  {
    fromDemo: true,
    extraFlags: [
      [
        '--label KEY=VALUE',
        'only instances with this label (repeatable: all must match); needs REGISTRY_URL',
      ],
    ],
  },
);

/** Extra flags of `routes`. */
const ROUTES_FLAGS = { label: { type: 'string', multiple: true } } as const;

/** One instance of a route row. */
export interface RouteInstance {
  target: string;
  weight: number;
  kongHealth: string;
  instanceId: string | undefined;
  registry: string;
  /** The instance's labels in the registry; absent when it is not registered there. */
  labels?: Record<string, string>;
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
  /** A route-less service of the registry (a worker): no route in Kong, prefix "(no route)". */
  routeless?: true;
}

/** What the registry says of an instance: draining or live, Kong's and its own health. */
export function registryStateOf(i: Instance): string {
  const state = i.draining ? 'draining' : 'live';
  const kong = i.gatewayHealth ? `, reported ${i.gatewayHealth.status}` : '';
  const own = i.selfHealth
    ? `, self ${i.selfHealth.status}${i.selfHealth.detail ? ` (${i.selfHealth.detail})` : ''}`
    : '';
  return `${state}${kong}${own}`;
}

/** The registry's route-less services as rows (their instances have no Kong target). */
export function routelessRows(snapshot: StateSnapshot): RouteRowView[] {
  return snapshot.services
    .filter((view) => !isRouted(view.definition))
    .map((view) => ({
      prefix: '(no route)',
      route: '',
      service: view.name,
      managed: true,
      auth: [],
      routeless: true as const,
      instances: view.instances.map((i) => ({
        target: `${i.host}:${i.port}`,
        weight: i.weight,
        kongHealth: 'n/a',
        instanceId: i.instanceId,
        registry: registryStateOf(i),
        labels: i.labels,
      })),
    }));
}

/** The rows with only the instances whose labels match every selector; rows left empty go. */
export function filterRowsByLabels(
  rows: RouteRowView[],
  selectors: readonly LabelSelector[],
): RouteRowView[] {
  if (selectors.length === 0) return rows;
  return rows.flatMap((row) => {
    const instances = row.instances.filter((i) => matchesLabels(i.labels, selectors));
    return instances.length === 0 ? [] : [{ ...row, instances }];
  });
}

/** `--label` values as selectors, or the first problem. */
export function parseLabelFlags(values: readonly string[] | undefined): LabelSelector[] | string {
  const selectors: LabelSelector[] = [];
  for (const value of values ?? []) {
    const parsed = parseLabelSelector(value);
    if (typeof parsed === 'string') return `--label: ${parsed}`;
    selectors.push(parsed);
  }
  return selectors;
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
  const registryState = new Map<string, Instance>();
  for (const svc of snapshot?.services ?? []) {
    for (const i of svc.instances) registryState.set(i.instanceId, i);
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
        const registered = instanceId === undefined ? undefined : registryState.get(instanceId);
        return {
          target: String(row.target),
          weight: Number(row.weight),
          kongHealth: String(row.health ?? 'UNKNOWN'),
          instanceId,
          registry: !snapshot ? 'n/a' : registered ? registryStateOf(registered) : 'not registered',
          ...(registered && { labels: registered.labels }),
        };
      }),
      ...(pending ? { pending } : {}),
    });
  }
  rows.sort((a, b) => a.prefix.localeCompare(b.prefix));
  return snapshot ? [...rows, ...routelessRows(snapshot)] : rows;
}

/** ` [gpu=true,host=box-2]`, or nothing without labels. */
function labelText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0 ? '' : ` [${entries.map(([k, v]) => `${k}=${v}`).join(',')}]`;
}

/** Renders rows as an aligned text table. */
export function formatRouteTable(all: RouteRowView[]): string {
  const rows = all.filter((r) => !r.routeless);
  const workers = all.filter((r) => r.routeless);
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
      .map((i) => `${i.target} w=${i.weight} ${i.kongHealth} / ${i.registry}${labelText(i.labels)}`)
      .join('; ') || '(none)',
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...body.map((row) => row[col]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const notes = rows.filter((r) => r.pending).map((r) => `* ${r.prefix}: ${r.pending!.note}`);
  const workerLines = workers.flatMap((w) =>
    w.instances.map(
      (i) =>
        `  ${w.service}  ${i.instanceId ?? ''} ${i.target}  ${i.registry}${labelText(i.labels)}`,
    ),
  );
  return [
    line(header),
    ...body.map(line),
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(workerLines.length > 0 ? ['', 'Workers (no route):', ...workerLines] : []),
  ].join('\n');
}

/** `routes`: prints the table (or JSON). */
export async function runRoutesCommand(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, ROUTES_FLAGS);
  if (!parsed) return 1;
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const selectors = parseLabelFlags(parsed.flags.label as string[] | undefined);
  if (typeof selectors === 'string') {
    console.error(`kong-registry routes: ${selectors}`);
    return 1;
  }
  const config = configFromFlags(parsed.flags, { registryOptional: true, fromDemo: true });
  if (!config) return 1;
  if (selectors.length > 0 && !config.registryUrl) {
    console.error(
      'kong-registry routes: --label needs the registry (REGISTRY_URL): labels live there',
    );
    return 1;
  }
  const client = createAdminClient(config.kong, config.kong.urls[0]!);
  const registry = config.registryUrl
    ? new RegistryClient({ url: config.registryUrl, token: config.registryToken })
    : undefined;
  try {
    const rows = filterRowsByLabels(await buildRouteRows(config, client, registry), selectors);
    console.log(parsed.flags.json ? JSON.stringify(rows, null, 2) : formatRouteTable(rows));
    return 0;
  } catch (err) {
    console.error(`kong-registry routes: ${describeError(err)}`);
    return 1;
  } finally {
    await Promise.all([client.close(), registry?.close()]);
  }
}
