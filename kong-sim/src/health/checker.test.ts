import { anUpstream, aTarget, defaultHealthchecks } from '../proxy/__tests__/memory-store';
import { checkerRefusal, silentLogger, UpstreamHealthChecker } from './checker';
import type { ProbeRequest, ProbeResult } from './probe';

function activeUpstream() {
  const healthchecks = defaultHealthchecks();
  healthchecks.active.healthy = { interval: 1, http_statuses: [200], successes: 2 };
  healthchecks.active.unhealthy = {
    ...healthchecks.active.unhealthy,
    interval: 1,
    http_failures: 2,
  };
  return anUpstream({ healthchecks });
}

describe('UpstreamHealthChecker with a fake clock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('probes one interval after start, marks unhealthy at the threshold, and recovers', async () => {
    const upstream = activeUpstream();
    const target = aTarget(upstream, '10.0.0.1:8080');
    const idle = aTarget(upstream, '10.0.0.2:8080', 0);
    let status = 500;
    const probed: ProbeRequest[] = [];
    const probe = (req: ProbeRequest): Promise<ProbeResult> => {
      probed.push(req);
      return Promise.resolve({ kind: 'status', status });
    };
    const checker = new UpstreamHealthChecker(upstream, [target, idle], {
      probe,
      logger: silentLogger,
    });
    checker.start();
    expect(checker.isHealthy(target.id)).toBe(true);
    expect(probed).toHaveLength(0);

    await jest.advanceTimersByTimeAsync(1000);
    expect(probed.map((p) => `${p.host}:${p.port} ${p.httpPath}`)).toEqual(['10.0.0.1:8080 /']);
    expect(checker.isHealthy(target.id)).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    expect(checker.isHealthy(target.id)).toBe(false);

    status = 200;
    await jest.advanceTimersByTimeAsync(1000);
    expect(checker.isHealthy(target.id)).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(checker.isHealthy(target.id)).toBe(true);
    expect(checker.tracks(idle.id)).toBe(false);
    checker.stop();
  });

  it('passive reports use the passive thresholds', () => {
    const healthchecks = defaultHealthchecks();
    healthchecks.passive.unhealthy = { ...healthchecks.passive.unhealthy, tcp_failures: 2 };
    const upstream = anUpstream({ healthchecks });
    const target = aTarget(upstream, '10.0.0.1:8080');
    const checker = new UpstreamHealthChecker(upstream, [target], {
      probe: () => Promise.resolve({ kind: 'connected' }),
      logger: silentLogger,
    });
    checker.reportFailure(target.id, 'tcp_failure');
    expect(checker.isHealthy(target.id)).toBe(true);
    checker.reportFailure(target.id, 'tcp_failure');
    expect(checker.isHealthy(target.id)).toBe(false);
    checker.setHealthy(target.id, true);
    expect(checker.isHealthy(target.id)).toBe(true);
  });

  it('stop() clears the loops and aborts probes in flight', async () => {
    const upstream = activeUpstream();
    const target = aTarget(upstream, '10.0.0.1:8080');
    const signals: (AbortSignal | undefined)[] = [];
    const probe = (req: ProbeRequest): Promise<ProbeResult> => {
      signals.push(req.signal);
      return new Promise(() => undefined);
    };
    const checker = new UpstreamHealthChecker(upstream, [target], { probe, logger: silentLogger });
    checker.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(signals).toHaveLength(1);
    checker.stop();
    expect(signals[0]?.aborted).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('checkerRefusal', () => {
  const checks = (active: string, passive: string) =>
    ({ active: { type: active }, passive: { type: passive } }) as unknown as Parameters<
      typeof checkerRefusal
    >[0];

  it('takes http, https and tcp, and refuses grpc and grpcs as the checker library does', () => {
    expect(checkerRefusal(checks('http', 'http'))).toBeUndefined();
    expect(checkerRefusal(checks('tcp', 'https'))).toBeUndefined();
    expect(checkerRefusal(checks('grpc', 'http'))).toBe(
      "checks.active.type can only be 'http', 'https' or 'tcp', got 'grpc'",
    );
    expect(checkerRefusal(checks('http', 'grpcs'))).toBe(
      "checks.passive.type can only be 'http', 'https' or 'tcp', got 'grpcs'",
    );
  });
});
