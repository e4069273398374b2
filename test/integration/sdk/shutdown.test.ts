import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunningRegistry } from '@kong-registry/registry';
import { register } from '@kong-registry/sdk';
import { freePort } from '../../helpers/ports';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { buildSdk, ROOT } from './build-sdk';
import { instancesOf, startTestRegistry } from './harness';

describe('draining with requests in flight (real registry)', () => {
  let registry: RunningRegistry;
  let child: ChildProcess | undefined;
  let server: Server | undefined;

  beforeAll(() => buildSdk());
  beforeEach(async () => {
    registry = await startTestRegistry(sharedRedisUrl());
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    await registry.close();
  });

  it('drain() marks the instance draining (weight 0), waits for the request, then deregisters', async () => {
    let finish: (() => void) | undefined;
    server = createServer((_req, res) => (finish = () => res.end('late answer')));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const handle = await register({
      registryUrl: registry.url,
      token: registry.mintToken({ role: 'service', service: 'drainer' }),
      service: 'drainer',
      host: '127.0.0.1',
      port,
    });
    handle.trackServer(server);
    const answer = fetch(`http://127.0.0.1:${port}/work`).then((r) => r.text());
    await waitFor(() => handle.inFlight === 1, { what: 'the request to be in flight' });

    const drained = handle.drain({ timeoutMs: 20_000 });
    await waitFor(async () => (await instancesOf(registry, 'drainer'))[0]?.draining, {
      what: 'draining in the registry',
    });
    const [draining] = await instancesOf(registry, 'drainer');
    expect(draining).toMatchObject({ draining: true, weight: 0 });
    expect(handle.state).toBe('draining');

    finish?.();
    expect(await answer).toBe('late answer');
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(await instancesOf(registry, 'drainer')).toEqual([]);
  });

  it('SIGTERM: health answers 503 while draining, then the instance is gone and the process exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [join(__dirname, 'fixtures', 'service.mjs')], {
      env: {
        ...process.env,
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'sigterm' }),
        SERVICE: 'sigterm',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child?.once('exit', (code) => resolve(code)),
    );
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    await waitFor(() => lines.some((l) => l.includes('"registered"')), {
      what: 'the child to register',
      timeoutMs: 15_000,
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await instancesOf(registry, 'sigterm')).toHaveLength(1);

    const slow = fetch(`${base}/slow`).then((r) => r.text());
    await waitFor(async () => (await fetch(`${base}/health`)).ok, {
      what: 'the slow request to be accepted',
    });
    child.kill('SIGTERM');
    await waitFor(() => lines.some((l) => l.includes('"draining"')), {
      what: 'the child to start draining',
    });

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'draining', service: 'sigterm' });
    await waitFor(async () => (await instancesOf(registry, 'sigterm'))[0]?.draining, {
      what: 'draining in the registry',
    });

    await fetch(`${base}/release`);
    expect(await slow).toBe('slow done');
    expect(await exited).toBe(0);
    expect(await instancesOf(registry, 'sigterm')).toEqual([]);
  });

  it('never keeps a process alive on its own: a script that only registers exits by itself', async () => {
    const script = [
      "const { register } = require('@kong-registry/sdk');",
      'register({ registryUrl: process.env.REGISTRY_URL, token: process.env.REGISTRY_TOKEN, service: "oneshot",',
      '  host: "127.0.0.1", port: 3999, ttlSeconds: 3 }).then((h) => console.log(h.state));',
    ].join('\n');
    child = spawn(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: {
        ...process.env,
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: registry.mintToken({ role: 'service', service: 'oneshot' }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += String(chunk)));
    const code = await new Promise<number | null>((resolve) =>
      child?.once('exit', (c) => resolve(c)),
    );
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'registered' });
    // It exited without deregistering (nobody called close), so the lease is still there until it expires.
    expect(await instancesOf(registry, 'oneshot')).toHaveLength(1);
  });
});
