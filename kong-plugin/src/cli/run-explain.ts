/**
 * `kong-registry explain METHOD URL`: which route and service answer a request (Kong's matching
 * rules applied to the routes read from the Admin API), the upstream path, which instances are
 * healthy, and which auth applies.
 */
import type { KongAdminClient } from '../admin-api/client';
import { createAdminClient } from '../admin-api/factory';
import { describeError } from '../errors';
import { matchRoute, parseRequest, requestUrl, routeRefusal } from '../explain/match';
import type { KongBody } from '../kong/entities';
import type { PendingRouting } from '../kong/propagation';
import {
  authOf,
  pendingFor,
  readKongView,
  readUpstreamHealth,
  serviceOf,
  upstreamOf,
} from './kong-view';
import { COMMAND_VARIABLES, configFromFlags, helpText, parseFlags } from './options';

const HELP = helpText(
  'kong-registry explain <METHOD> <URL> [options]',
  'Explains how Kong routes a request: the matching route (prefix/regex/hosts/methods priority as\n' +
    "Kong's traditional_compatible router), the service and upstream path, the instances and\n" +
    "their health, the auth plugins in force, and whether Kong's workers may not route it yet (a\n" +
    'write newer than their rebuild period). URL may be a path (/orders/1) or absolute\n' +
    '(http://api.example.com:8000/orders/1, whose host and port are matched against route hosts).\n' +
    'Exit codes: 0 a route matches, 4 no route matches (Kong would answer 404), 1 error.',
  COMMAND_VARIABLES.explain,
  { fromDemo: true },
);

/** The explanation, as printed with --json. */
export interface Explanation {
  request: ReturnType<typeof parseRequest>;
  matched: boolean;
  route?: {
    id: string;
    name: string;
    paths: string[];
    matchedPath: string | undefined;
    stripPath: boolean;
  };
  service?: { id: string; name: string; host: string; protocol: string };
  upstreamPath?: string;
  auth: string[];
  instances: { target: string; weight: number; health: string }[];
  healthyInstances: number;
  verdict: string;
  /** Present when Kong has the route (or its service or plugins) but its workers may not yet. */
  pending?: PendingRouting;
}

/** Computes the explanation from Kong's Admin API. */
export async function explainRequest(
  client: KongAdminClient,
  method: string,
  url: string,
): Promise<Explanation> {
  const request = parseRequest(method, url);
  const view = await readKongView(client);
  const enabledServices = new Set(
    view.services.filter((s) => s.enabled !== false).map((s) => s.id),
  );
  const candidates = view.routes.filter((r) => {
    const service = serviceOf(view, r);
    return !service || enabledServices.has(service.id);
  });
  const match = matchRoute(candidates, request, (route: KongBody) => {
    const path = serviceOf(view, route)?.path;
    return typeof path === 'string' ? path : null;
  });
  if (!match) {
    return {
      request,
      matched: false,
      auth: [],
      instances: [],
      healthyInstances: 0,
      verdict: '404 no Route matched with those values',
    };
  }
  const route = match.route;
  const service = serviceOf(view, route);
  const upstream = upstreamOf(view, service);
  const health = upstream ? await readUpstreamHealth(client, upstream) : [];
  const instances = health.map((row) => ({
    target: String(row.target),
    weight: Number(row.weight),
    health: String(row.health ?? 'UNKNOWN'),
  }));
  const usable = instances.filter(
    (i) => i.weight > 0 && (i.health === 'HEALTHY' || i.health === 'HEALTHCHECKS_OFF'),
  );
  let verdict = 'proxied';
  const refusal = routeRefusal(route, request);
  const grpc = refusal?.startsWith('a gRPC route') === true;
  if (refusal && !grpc) verdict = refusal;
  else if (!service) verdict = '503 no Service found with those values';
  else if (upstream && usable.length === 0)
    verdict = '503 failure to get a peer from the ring-balancer';
  const auth = authOf(view, route);
  if (verdict === 'proxied' && auth.length > 0) verdict = `proxied after ${auth.join(' + ')}`;
  if (grpc && verdict.startsWith('proxied')) verdict = `${verdict}; ${refusal}`;
  const pending = pendingFor(view, route, Date.now());
  return {
    request,
    matched: true,
    route: {
      id: String(route.id),
      name: String(route.name ?? route.id),
      paths: Array.isArray(route.paths) ? (route.paths as string[]) : [],
      matchedPath: match.matchedPath,
      stripPath: route.strip_path !== false,
    },
    ...(service
      ? {
          service: {
            id: String(service.id),
            name: String(service.name ?? service.id),
            host: String(service.host),
            protocol: String(service.protocol),
          },
        }
      : {}),
    upstreamPath: match.upstreamPath,
    auth,
    instances,
    healthyInstances: usable.length,
    verdict,
    ...(pending ? { pending } : {}),
  };
}

function formatExplanation(e: Explanation): string {
  const lines = [`${e.request.method} ${requestUrl(e.request)}`];
  if (!e.matched || !e.route) {
    lines.push('  no route matches: Kong answers 404 "no Route matched with those values"');
    return lines.join('\n');
  }
  lines.push(
    `  route:    ${e.route.name} (${e.route.id}) via path ${e.route.matchedPath ?? '(host/method only)'}${e.route.stripPath ? ', strip_path' : ''}`,
  );
  lines.push(
    `  service:  ${e.service ? `${e.service.name} -> ${e.service.protocol}://${e.service.host}` : '(none)'}`,
  );
  lines.push(`  upstream path: ${e.upstreamPath ?? ''}`);
  lines.push(`  auth:     ${e.auth.join(' + ') || 'none'}`);
  lines.push(`  instances (${e.healthyInstances} usable of ${e.instances.length}):`);
  for (const i of e.instances) lines.push(`    ${i.target} weight=${i.weight} ${i.health}`);
  lines.push(`  verdict:  ${e.verdict}`);
  if (e.pending) lines.push(`  pending:  ${e.pending.note}`);
  return lines.join('\n');
}

/** `explain METHOD URL`. */
export async function runExplainCommand(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv, {}, true);
  if (!parsed) return 1;
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [method, url] = parsed.positionals;
  if (!method || !url || parsed.positionals.length > 2) {
    console.error('kong-registry explain: expected <METHOD> <URL> (see --help)');
    return 1;
  }
  const config = configFromFlags(parsed.flags, { registryOptional: true, fromDemo: true });
  if (!config) return 1;
  const client = createAdminClient(config.kong, config.kong.urls[0]!);
  try {
    const explanation = await explainRequest(client, method, url);
    console.log(
      parsed.flags.json ? JSON.stringify(explanation, null, 2) : formatExplanation(explanation),
    );
    return explanation.matched ? 0 : 4;
  } catch (err) {
    console.error(`kong-registry explain: ${describeError(err)}`);
    return 1;
  } finally {
    await client.close();
  }
}
