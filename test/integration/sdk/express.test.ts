import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { RunningRegistry } from '@kong-registry/registry';
import {
  consumerFromHeaders,
  healthHandler,
  register,
  type RegistrationHandle,
} from '@kong-registry/sdk';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { startTestRegistry } from './harness';

describe('the SDK inside an Express 5 app (real registry)', () => {
  let registry: RunningRegistry;
  let server: Server;
  let handle: RegistrationHandle;

  beforeAll(async () => {
    registry = await startTestRegistry(sharedRedisUrl());
  });
  afterAll(async () => {
    await handle.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await registry.close();
  });

  it('serves health, counts requests with trackRequests() and reads Kong consumer headers', async () => {
    const app = express();
    let release: (() => void) | undefined;
    const listening = new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    server = await listening;
    const port = (server.address() as AddressInfo).port;
    handle = await register({
      registryUrl: registry.url,
      token: registry.mintToken({ role: 'service', service: 'expressy' }),
      service: 'expressy',
      host: '127.0.0.1',
      port,
    });
    app.use(handle.trackRequests());
    app.get('/health', healthHandler(handle));
    app.get('/me', (req, res) => {
      res.json(consumerFromHeaders(req));
    });
    app.get('/slow', (_req, res) => {
      release = () => res.send('slow');
    });

    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      service: 'expressy',
      state: 'registered',
    });
    const me = await fetch(`${base}/me`, {
      headers: { 'X-Consumer-Username': 'ann', 'X-Consumer-ID': 'c1' },
    });
    expect(await me.json()).toMatchObject({ username: 'ann', id: 'c1', anonymous: false });

    const slow = fetch(`${base}/slow`).then((r) => r.text());
    await waitFor(() => handle.inFlight === 1 && release !== undefined, {
      what: 'the slow request',
    });
    const drained = handle.drain({ timeoutMs: 20_000 });
    await waitFor(() => handle.isDraining, { what: 'draining' });
    expect((await fetch(`${base}/health`)).status).toBe(503);
    release?.();
    expect(await slow).toBe('slow');
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
  });
});
