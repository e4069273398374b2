/**
 * pause() / resume() / drain({ holdMs }) against the real registry on real Redis: what the
 * registry (and so Kong) sees at each step, not what the SDK believes.
 */
import type { RunningRegistry } from '@kong-registry/registry';
import { register, type RegisterOptions, type RegistrationHandle } from '@kong-registry/sdk';
import { sharedRedisUrl } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { instancesOf, startTestRegistry } from './harness';

const fastRetry = { initialDelayMs: 50, maxDelayMs: 200, retries: 2 };

describe('pause(), resume() and drain({ holdMs }) (real registry)', () => {
  let registry: RunningRegistry;
  const handles: RegistrationHandle[] = [];
  const keep = (h: RegistrationHandle): RegistrationHandle => (handles.push(h), h);

  beforeEach(async () => {
    registry = await startTestRegistry(sharedRedisUrl());
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await registry.close();
  });

  function optionsFor(service: string, port: number, ttlSeconds = 3): RegisterOptions {
    return {
      registryUrl: registry.url,
      token: registry.mintToken({ role: 'service', service }),
      service,
      host: '127.0.0.1',
      port,
      ttlSeconds,
      retry: fastRetry,
    };
  }

  const instance = async (service: string) => (await instancesOf(registry, service))[0];

  /** Lets a few heartbeat intervals pass without a fixed sleep: another instance's heartbeats. */
  async function letHeartbeatsPass(beats: number): Promise<void> {
    const clock = keep(await register(optionsFor('clock', 3999)));
    let seen = 0;
    clock.on('heartbeat', () => seen++);
    await waitFor(() => seen >= beats, { what: `${beats} heartbeats`, timeoutMs: 15_000 });
  }

  it('pause({ drain: true }) puts it at weight 0 without heartbeats; resume() restores it; close() after a pause removes it at once', async () => {
    const handle = keep(await register(optionsFor('pausing', 3201)));
    expect(await instance('pausing')).toMatchObject({ draining: false, weight: 100 });

    expect(await handle.pause({ drain: true })).toEqual({ state: 'paused', drainMark: 'marked' });
    const paused = await instance('pausing');
    expect(paused).toMatchObject({ draining: true, weight: 0 });
    await letHeartbeatsPass(3);
    expect((await instance('pausing'))?.lastHeartbeatAt).toBe(paused?.lastHeartbeatAt);

    const causes: string[] = [];
    const reregistered = new Promise<void>((resolve) =>
      handle.once('reregistered', (_reply, cause) => (causes.push(cause), resolve())),
    );
    await handle.resume();
    await reregistered;
    expect(causes).toEqual(['resumed']);
    const resumed = await instance('pausing');
    expect(resumed).toMatchObject({ draining: false, drainUntil: null, weight: 100 });
    await waitFor(
      async () =>
        ((await instance('pausing'))?.leaseExpiresAt ?? '') > (resumed?.leaseExpiresAt ?? ''),
      { what: 'a heartbeat after resume()', timeoutMs: 10_000 },
    );

    await handle.pause({ drain: true });
    expect((await instance('pausing'))?.draining).toBe(true);
    await handle.close();
    expect(await instancesOf(registry, 'pausing')).toEqual([]);
    expect(handle.state).toBe('closed');
  });

  it('pause() without drain lets the lease run out; resume() registers it again', async () => {
    const handle = keep(await register(optionsFor('expiring', 3202, 1)));
    expect(await handle.pause()).toEqual({ state: 'paused' });
    expect((await instance('expiring'))?.draining).toBe(false);
    await waitFor(async () => (await instancesOf(registry, 'expiring')).length === 0, {
      what: 'the lease to expire and the reaper to remove it',
      timeoutMs: 10_000,
    });

    await handle.resume();
    await waitFor(() => handle.state === 'registered', { what: 'registered again' });
    expect(await instance('expiring')).toMatchObject({ instanceId: '127.0.0.1-3202' });
  });

  it('drain({ holdMs }) stays at weight 0 with nothing in flight until the hold ends, then deregisters', async () => {
    const handle = keep(await register(optionsFor('holding', 3203)));
    const drained = handle.drain({ holdMs: 600_000 });
    await waitFor(async () => (await instance('holding'))?.draining, { what: 'draining' });
    await letHeartbeatsPass(3);
    expect(await instance('holding')).toMatchObject({ draining: true, weight: 0 });
    expect(handle.state).toBe('draining');

    await handle.close(); // cuts the hold short
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(await instancesOf(registry, 'holding')).toEqual([]);

    const short = keep(await register(optionsFor('holding', 3204)));
    expect(await short.drain({ holdMs: 200 })).toEqual({ timedOut: false, inFlight: 0 });
    expect(await instancesOf(registry, 'holding')).toEqual([]);
  });
});
