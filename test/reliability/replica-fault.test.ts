/**
 * Two registry replicas share one Redis; one of them is a real child process SIGKILLed under a
 * steady registration load. Clients hold both URLs and fail over (a plain test client here, so
 * every attempt is counted; the SDK's own failover is in test/integration/sdk/failover.test.ts).
 * Every registration the registry acknowledged (2xx) must still be there afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunningRegistry } from '@kong-registry/registry';
import { freePort } from '../helpers/ports';
import { sharedRedisUrl } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { recordFigure } from './support/figures';
import { stackPrefix, startTestRegistry, STACK_SECRET } from './support/stack';

const ROOT = join(__dirname, '..', '..');
const WRITERS = 4;

describe('reliability/faults: registry replica SIGKILLed under load', () => {
  let child: ChildProcess | undefined;
  let survivor: RunningRegistry | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await survivor?.close();
  });

  it('no acknowledged registration is lost; clients with both URLs keep registering', async () => {
    const prefix = stackPrefix();
    const port = await freePort();
    let output = '';
    child = spawn(
      process.execPath,
      [
        join(ROOT, 'cli', 'bin', 'kong-registry.js'),
        'registry',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      {
        env: {
          PATH: process.env.PATH,
          REDIS_URL: sharedRedisUrl(),
          REGISTRY_KEY_PREFIX: prefix,
          REGISTRY_JWT_SECRET: STACK_SECRET,
          REGISTRY_RATE_LIMIT_BURST: '100000',
          REGISTRY_RATE_LIMIT_PER_SECOND: '100000',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const doomed = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${doomed}/readyz`)).status === 200, {
      timeoutMs: 20_000,
      what: 'the child registry replica',
    }).catch((err: Error) => {
      throw new Error(`${err.message}; output: ${output.slice(-500)}`);
    });
    survivor = await startTestRegistry(sharedRedisUrl(), prefix);
    const urls = [doomed, survivor.url];
    const token = survivor.mintToken({ role: 'service', service: 'fleet' });

    const acked = new Set<string>();
    let attempts = 0;
    let failovers = 0;
    let running = true;
    /** PUT with failover across the URL list; idempotent, so a retry on the other replica is safe. */
    const registerOnce = async (id: string, first: number): Promise<boolean> => {
      for (let tries = 0; tries < 10; tries += 1) {
        const url = urls[(first + tries) % urls.length] ?? '';
        attempts += 1;
        try {
          const res = await fetch(`${url}/v1/services/fleet/instances/${id}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ host: '10.1.0.1', port: 8080, ttlSeconds: 300 }),
            signal: AbortSignal.timeout(2000),
          });
          await res.text();
          if (res.status === 200 || res.status === 201) return true;
        } catch {
          // connection refused or reset: the replica is gone, try the next URL
        }
        failovers += 1;
      }
      return false;
    };
    let counter = 0;
    const writers = Array.from({ length: WRITERS }, (_, w) =>
      (async () => {
        while (running) {
          const id = `w${w}-${(counter += 1)}`;
          if (await registerOnce(id, counter)) acked.add(id);
        }
      })(),
    );

    await waitFor(() => acked.size >= 200, {
      timeoutMs: 20_000,
      what: 'registrations before the kill',
    });
    child.kill('SIGKILL');
    const ackedAtKill = acked.size;
    await new Promise((resolve) => child?.once('exit', resolve));
    await waitFor(() => acked.size >= ackedAtKill + 200, {
      timeoutMs: 20_000,
      what: 'registrations after the kill',
    });
    running = false;
    await Promise.all(writers);

    const res = await fetch(`${survivor.url}/v1/services/fleet`, {
      headers: { authorization: `Bearer ${survivor.adminToken ?? ''}` },
    });
    const listed = new Set(
      ((await res.json()) as { instances: { instanceId: string }[] }).instances.map(
        (i) => i.instanceId,
      ),
    );
    const lost = [...acked].filter((id) => !listed.has(id));
    recordFigure('replica-fault', 'acknowledged registrations', acked.size);
    recordFigure('replica-fault', 'acknowledged before the kill', ackedAtKill);
    recordFigure('replica-fault', 'attempts', attempts);
    recordFigure('replica-fault', 'failed attempts retried on the other replica', failovers);
    recordFigure('replica-fault', 'acknowledged registrations lost', lost.length);
    expect(lost).toEqual([]);
  });
});
