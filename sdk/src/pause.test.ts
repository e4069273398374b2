import { register, type RegisterOptions, type RegistrationHandle } from './index';
import { FakeRegistry, type RecordedRequest } from './__tests__/fake-registry';
import { waitFor } from '../../test/helpers/wait';

const fastRetry = { initialDelayMs: 10, maxDelayMs: 40, jitter: 0, retries: 2 };
const KEY = 'orders/127.0.0.1-3000';

function optionsFor(registry: FakeRegistry, extra: Partial<RegisterOptions> = {}): RegisterOptions {
  return {
    registryUrl: registry.url,
    token: 'service-token',
    service: 'orders',
    host: '127.0.0.1',
    port: 3000,
    retry: fastRetry,
    requestTimeoutMs: 1000,
    ...extra,
  };
}

const isMark = (r: RecordedRequest): boolean =>
  r.method === 'DELETE' && r.path.includes('drain=true');
const isDeregister = (r: RecordedRequest): boolean =>
  r.method === 'DELETE' && !r.path.includes('drain=true');

describe('pause(), resume() and drain({ holdMs })', () => {
  let registry: FakeRegistry;
  const handles: RegistrationHandle[] = [];
  const keep = (h: RegistrationHandle): RegistrationHandle => (handles.push(h), h);

  beforeEach(async () => {
    registry = await new FakeRegistry().start();
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await registry.stop();
  });

  /** Calls made for this test's instance (a "clock" instance heartbeats on another id). */
  const calls = (match: (r: RecordedRequest) => boolean): number =>
    registry.requests.filter((r) => r.path.includes('127.0.0.1-3000') && match(r)).length;

  /**
   * Lets time pass without a fixed sleep: a second instance heartbeats at the same interval, so
   * `beats` of its heartbeats mean the paused one would have sent some too.
   */
  async function letHeartbeatsPass(beats: number): Promise<void> {
    const clock = keep(await register(optionsFor(registry, { port: 3999 })));
    let seen = 0;
    clock.on('heartbeat', () => seen++);
    await waitFor(() => seen >= beats, { what: `${beats} heartbeats of the clock instance` });
  }

  it('pause() stops heartbeats without deregistering; a second pause() sends nothing', async () => {
    const handle = keep(await register(optionsFor(registry)));
    await waitFor(() => calls((r) => r.path.endsWith('/heartbeat')) >= 1, { what: 'a heartbeat' });
    const paused = jest.fn();
    handle.on('paused', paused);

    expect(await handle.pause()).toEqual({ state: 'paused' });
    expect(await handle.pause()).toEqual({ state: 'paused' });
    const beats = calls((r) => r.path.endsWith('/heartbeat'));
    await letHeartbeatsPass(5);

    expect(calls((r) => r.path.endsWith('/heartbeat'))).toBe(beats);
    expect(calls((r) => r.method === 'DELETE')).toBe(0);
    expect(registry.instances.get(KEY)?.draining).toBe(false);
    expect(handle.state).toBe('paused');
    expect(handle.isDraining).toBe(false);
    expect(paused).toHaveBeenCalledTimes(1);
  });

  it('pause({ drain: true }) marks the instance draining once, however often it is called', async () => {
    const handle = keep(await register(optionsFor(registry)));
    const first = handle.pause({ drain: true });
    const second = handle.pause({ drain: true });
    expect(await first).toEqual({ state: 'paused', drainMark: 'marked' });
    expect(await second).toEqual({ state: 'paused', drainMark: 'marked' });
    expect(await handle.pause()).toEqual({ state: 'paused', drainMark: 'marked' });
    expect(calls(isMark)).toBe(1);
    expect(registry.instances.get(KEY)).toMatchObject({ draining: true, weight: 0 });
    expect(handle.isDraining).toBe(true);
  });

  it('pause() then pause({ drain: true }) sends the mark the second time only', async () => {
    const handle = keep(await register(optionsFor(registry)));
    await handle.pause();
    expect(calls(isMark)).toBe(0);
    expect(await handle.pause({ drain: true })).toEqual({ state: 'paused', drainMark: 'marked' });
    expect(calls(isMark)).toBe(1);
  });

  it('reports a mark the registry no longer needs (404) as gone, and one it refuses as failed', async () => {
    const gone = keep(await register(optionsFor(registry)));
    registry.instances.clear();
    expect(await gone.pause({ drain: true })).toEqual({ state: 'paused', drainMark: 'gone' });

    const refused = keep(await register(optionsFor(registry, { port: 3001 })));
    registry.script((req) =>
      isMark(req)
        ? { status: 503, body: { code: 'REG_ERR_REDIS_UNAVAILABLE', message: 'down' } }
        : undefined,
    );
    const result = await refused.pause({ drain: true });
    expect(result).toMatchObject({
      state: 'paused',
      drainMark: 'failed',
      error: { code: 'SDK_ERR_REGISTRY_UNAVAILABLE', statusCode: 503 },
    });
    // The drain mark's retry policy: the first attempt plus retry.retries.
    expect(registry.requests.filter((r) => isMark(r) && r.path.includes('-3001'))).toHaveLength(3);
  });

  it('resume() registers again (clearing draining), emits reregistered "resumed" and heartbeats again', async () => {
    const handle = keep(await register(optionsFor(registry)));
    const events: string[] = [];
    for (const event of ['paused', 'resumed', 'reregistered', 'registered'] as const) {
      handle.on(event, () => events.push(event));
    }
    const causes: string[] = [];
    handle.on('reregistered', (_reply, cause) => causes.push(cause));
    await handle.pause({ drain: true });
    const puts = calls((r) => r.method === 'PUT' && !r.path.endsWith('/heartbeat'));

    const reregistered = new Promise((resolve) => handle.once('reregistered', resolve));
    await Promise.all([handle.resume(), handle.resume()]);
    expect(handle.state).toBe('reregistering');
    expect(handle.isDraining).toBe(false);
    await reregistered;

    expect(calls((r) => r.method === 'PUT' && !r.path.endsWith('/heartbeat'))).toBe(puts + 1);
    expect(registry.instances.get(KEY)?.draining).toBe(false);
    expect(handle.state).toBe('registered');
    const beats = calls((r) => r.path.endsWith('/heartbeat'));
    await waitFor(() => calls((r) => r.path.endsWith('/heartbeat')) >= beats + 2, {
      what: 'heartbeats after resume()',
    });
    expect(events).toEqual(['paused', 'resumed', 'reregistered']);
    expect(causes).toEqual(['resumed']);
  });

  it('resume() is a no-op unless paused', async () => {
    const handle = keep(await register(optionsFor(registry)));
    const resumed = jest.fn();
    handle.on('resumed', resumed);
    await handle.resume();
    await handle.close();
    await handle.resume();
    expect(calls((r) => r.method === 'PUT' && !r.path.endsWith('/heartbeat'))).toBe(1);
    expect(resumed).not.toHaveBeenCalled();
    expect(handle.state).toBe('closed');
  });

  it('close() after pause({ drain: true }) deregisters at once and emits closed', async () => {
    const handle = await register(optionsFor(registry));
    await handle.pause({ drain: true });
    const closed = jest.fn();
    handle.on('closed', closed);
    await handle.close();
    expect(registry.instances.size).toBe(0);
    expect(calls(isDeregister)).toBe(1);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(handle.state).toBe('closed');
    expect(await handle.pause({ drain: true })).toEqual({ state: 'closed' });
  });

  it('close() while the mark is in flight lets it land first, and a resume() queued after close() does nothing', async () => {
    const handle = await register(optionsFor(registry));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    registry.script((req) => (isMark(req) ? { status: 0, release: gate } : undefined));
    const pausing = handle.pause({ drain: true });
    await waitFor(() => calls(isMark) === 1, { what: 'the mark to be in flight' });
    const closing = handle.close();
    const resuming = handle.resume();
    release();
    await Promise.all([pausing, closing, resuming]);
    const ours = registry.requests.filter((r) => r.path.includes('127.0.0.1-3000'));
    expect(ours.slice(-2).map((r) => r.path.includes('drain=true'))).toEqual([true, false]);
    expect(registry.instances.size).toBe(0);
    expect(handle.state).toBe('closed');
  });

  it('pause() on a failed handle does nothing', async () => {
    registry.script(() => ({ status: 403, body: { code: 'REG_ERR_FORBIDDEN', message: 'no' } }));
    const handle = keep(await register(optionsFor(registry, { waitForRegistration: false })));
    await new Promise((resolve) => handle.once('error', resolve));
    expect(await handle.pause({ drain: true })).toEqual({ state: 'failed' });
    await handle.resume();
    expect(handle.state).toBe('failed');
    expect(registry.requests).toHaveLength(1);
  });

  it('pause() before the first registration, then resume(), registers (registered, not reregistered)', async () => {
    registry.script((req) => (req.method === 'PUT' ? { status: 503, body: {} } : undefined));
    const handle = keep(await register(optionsFor(registry, { waitForRegistration: false })));
    await waitFor(() => registry.count('PUT') >= 1, { what: 'a first attempt' });
    expect(await handle.pause({ drain: true })).toEqual({ state: 'paused', drainMark: 'skipped' });
    expect(registry.count('DELETE')).toBe(0);
    registry.script(undefined);
    const registered = jest.fn();
    handle.on('registered', registered);
    await handle.resume();
    expect(handle.state).toBe('registering');
    await handle.whenRegistered();
    expect(registered).toHaveBeenCalledTimes(1);
    expect(registry.instances.size).toBe(1);
  });

  it('drain({ holdMs }) stays at weight 0 with nothing in flight until the hold ends', async () => {
    const handle = await register(optionsFor(registry));
    const drained = handle.drain({ timeoutMs: 10, holdMs: 150 });
    await waitFor(() => calls(isMark) === 1, { what: 'the draining mark' });
    expect(registry.instances.get(KEY)?.draining).toBe(true);
    expect(calls(isDeregister)).toBe(0);
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(calls(isDeregister)).toBe(1);
    expect(registry.instances.size).toBe(0);
  });

  it('drain({ holdMs }) holds past many heartbeat intervals, and close() cuts the hold short', async () => {
    const handle = await register(optionsFor(registry));
    const drained = handle.drain({ holdMs: 600_000 });
    await waitFor(() => calls(isMark) === 1, { what: 'the draining mark' });
    await letHeartbeatsPass(5);
    expect(calls(isDeregister)).toBe(0);
    expect(handle.state).toBe('draining');
    await handle.close();
    expect(await drained).toEqual({ timedOut: false, inFlight: 0 });
    expect(registry.instances.has(KEY)).toBe(false);
  });

  it('drain() after pause({ drain: true }) does not mark again, counts the hold from the pause, and deregisters', async () => {
    const handle = await register(optionsFor(registry));
    await handle.pause({ drain: true });
    const events: string[] = [];
    handle.on('draining', () => events.push('draining'));
    handle.on('closed', () => events.push('closed'));
    expect(await handle.drain({ holdMs: 20 })).toEqual({ timedOut: false, inFlight: 0 });
    expect(calls(isMark)).toBe(1);
    expect(calls(isDeregister)).toBe(1);
    expect(events).toEqual(['draining', 'closed']);
    expect(handle.state).toBe('closed');
  });
});
