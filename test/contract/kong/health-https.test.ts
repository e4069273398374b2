import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../helpers/wait';
import {
  adminJson,
  proxyCall,
  startKongTarget,
  uniqueName,
  type KongTarget,
} from './proxy-helpers';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './proxy-tls-fixture';

// Kong's rules: Kong 3.9.3 kong/db/schema/entities/services.lua (tls_verify) and
// kong-sim/KONG_BEHAVIOUR.md#health-checker (https probes).
describe('https upstreams and https health probes', () => {
  let kong: KongTarget;
  let server: https.Server;
  let healthStatus = 200;
  let port = 0;

  beforeAll(async () => {
    kong = await startKongTarget();
    server = https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, (req, res) => {
      if (req.url === '/health') {
        res.writeHead(healthStatus).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ tls: true, url: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await kong.close();
  });

  it('proxies to an https service (certificate not verified by default) and probes it over TLS', async () => {
    const upstream = uniqueName('up');
    await adminJson(kong, 'POST', '/upstreams', {
      name: upstream,
      healthchecks: {
        active: {
          type: 'https',
          http_path: '/health',
          https_verify_certificate: false,
          healthy: { interval: 0.2, successes: 1 },
          unhealthy: { interval: 0.2, http_failures: 1 },
        },
      },
    });
    await adminJson(kong, 'POST', `/upstreams/${upstream}/targets`, {
      target: `127.0.0.1:${port}`,
    });
    const service = uniqueName('svc');
    await adminJson(kong, 'POST', '/services', {
      name: service,
      host: upstream,
      protocol: 'https',
      port: 443,
    });
    const path = `/${uniqueName('tls')}`;
    await adminJson(kong, 'POST', `/services/${service}/routes`, { paths: [path] });

    const res = await proxyCall(kong, `${path}/x`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ tls: true, url: '/x' });

    const health = async () =>
      (
        await adminJson<{ data: { health: string }[] }>(
          kong,
          'GET',
          `/upstreams/${upstream}/health`,
        )
      ).data[0]?.health;
    healthStatus = 500;
    await waitFor(async () => (await health()) === 'UNHEALTHY', { what: 'https target UNHEALTHY' });
    healthStatus = 200;
    await waitFor(async () => (await health()) === 'HEALTHY', {
      what: 'https target HEALTHY again',
    });
  });
});
