/**
 * What the demo prints once everything is up: where things are, the route table, the consumer's
 * credentials and curl commands to paste. Pure text rendering.
 */
import type { RouteRow } from '@kong-registry/sdk';
import { greeterClientCommand } from './grpc-client';
import type { ServiceKind } from './services';

/** Everything the banner shows. */
export interface BannerInput {
  gateway: string;
  proxyUrl: string;
  kongAdminUrl: string;
  registryUrl: string;
  adminToken: string;
  routes: RouteRow[];
  consumer: { username: string; apiKey: string };
  jwt: string;
  jwtLifetime: string;
  services: ServiceKind[];
  /** Where `kong-registry` in another shell finds this demo's settings. */
  envFile: string;
}

/** Aligned text table of the registry's route rows. */
export function formatRoutes(routes: RouteRow[]): string {
  const header = ['PREFIX', 'SERVICE', 'AUTH', 'STRIP', 'INSTANCES'];
  const rows = routes.map((r) => [
    r.prefix,
    r.service,
    r.auth.allowGroups.length > 0
      ? `${r.auth.type} (groups ${r.auth.allowGroups.join(',')})`
      : r.auth.type,
    r.stripPrefix ? 'yes' : 'no',
    `${r.healthyInstances}/${r.instances} healthy`,
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, col) => (col === cells.length - 1 ? cell : cell.padEnd(widths[col]!)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function curlLines(service: ServiceKind, proxyUrl: string): string[] {
  if (service.protocol === 'grpc')
    return [
      `${greeterClientCommand(proxyUrl, ['--name', 'you'])}   # gRPC over h2c, key in metadata`,
      `${greeterClientCommand(proxyUrl, ['--stream', '3'])}   # server streaming`,
    ];
  const url = `"$PROXY${service.samplePath}"`;
  if (service.auth === 'key-auth')
    return [
      `curl -i ${url}                       # 401: ${service.service} wants an API key`,
      `curl -s ${url} -H "apikey: $KEY"     # 200: echoed by one ${service.service} instance, prefix stripped`,
    ];
  if (service.auth === 'jwt')
    return [
      `curl -i ${url}                                # 401: ${service.service} wants a JWT`,
      `curl -s ${url} -H "Authorization: Bearer $JWT"   # 200, with the claims Kong verified`,
    ];
  return [`curl -s ${url}                       # 200: no auth on ${service.service}`];
}

/** The full banner. */
export function renderBanner(input: BannerInput): string {
  const indent = (text: string): string =>
    text
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
  return [
    '',
    `━━ kong-registry demo is up (${input.gateway}) ━━`,
    '',
    `  Proxy (clients)   ${input.proxyUrl}`,
    `  Registry API      ${input.registryUrl}   (OpenAPI: ${input.registryUrl}/v1/openapi.json)`,
    `  Admin page        ${input.registryUrl}/ui#token=${input.adminToken}`,
    `  Kong Admin API    ${input.kongAdminUrl}`,
    `  Admin token       ${input.adminToken}`,
    '',
    'Routes (registry /v1/routes; `npx kong-registry routes` shows Kong’s side):',
    indent(formatRoutes(input.routes)),
    '',
    `Consumer ${input.consumer.username}:`,
    `  API key  ${input.consumer.apiKey}`,
    `  JWT      ${input.jwt}   (valid ${input.jwtLifetime})`,
    '',
    'Try (paste into another shell):',
    indent(
      [
        `export PROXY=${input.proxyUrl}`,
        `export KEY=${input.consumer.apiKey}`,
        `export JWT=${input.jwt}`,
        ...input.services.flatMap((service) => curlLines(service, input.proxyUrl)),
        `curl -s -H "Authorization: Bearer ${input.adminToken.slice(0, 12)}…" ${input.registryUrl}/v1/routes   # the full admin token is above`,
      ].join('\n'),
    ),
    '',
    `kong-registry in another shell: \`npx kong-registry routes\` (diff, sync, explain) finds this`,
    `demo through ${input.envFile} (removed on exit), or paste:`,
    indent(
      `export KONG_ADMIN_URL=${input.kongAdminUrl} REGISTRY_URL=${input.registryUrl} REGISTRY_TOKEN=${input.adminToken}`,
    ),
    '',
    'Logs of every process follow. Ctrl-C stops everything (services drain and deregister first).',
    '',
  ].join('\n');
}
