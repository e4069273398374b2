/**
 * The demo's echo service: a minimal SDK-registered HTTP service whose name comes from SERVICE,
 * so the tour and the e2e suite can register a service that did not exist before. Answers
 * `/health`, echoes `{service, instanceId, path}` for everything else, drains on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthHandler, register } from '@kong-registry/sdk';
import { loadEchoConfig } from './config';

async function main(): Promise<void> {
  const config = loadEchoConfig();
  let health = healthHandler();
  let instanceId = config.instanceId ?? '(registering)';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/health') return health(req, res);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: config.service, instanceId, path, method: req.method }));
  });
  await new Promise<void>((resolve) => server.listen(0, config.bindHost, resolve));
  const { port } = server.address() as AddressInfo;
  const handle = await register({
    registryUrl: config.registryUrl,
    token: config.registryToken,
    service: config.service,
    instanceId: config.instanceId,
    host: config.advertiseHost,
    port,
    prefix: config.prefix,
    auth: 'none',
    ttlSeconds: config.ttlSeconds,
    healthCheck: config.healthIntervalSeconds
      ? { intervalSeconds: config.healthIntervalSeconds }
      : undefined,
    handleSignals: true,
  });
  handle.trackServer(server);
  health = healthHandler(handle);
  instanceId = handle.instanceId;
  process.stdout.write(`${JSON.stringify({ service: config.service, instanceId, port })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`echo service: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
