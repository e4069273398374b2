import { anUpstream, aTarget } from './__tests__/memory-store';
import { RoundRobinBalancer } from './balancer';

describe('RoundRobinBalancer', () => {
  const upstream = anUpstream();

  it('spreads picks in proportion to weight', () => {
    const a = aTarget(upstream, 'a:1', 300);
    const b = aTarget(upstream, 'b:1', 100);
    const balancer = new RoundRobinBalancer();
    const picks = Array.from(
      { length: 8 },
      () => balancer.pick(upstream, [a, b], undefined)?.target,
    );
    expect(picks.filter((p) => p === 'a:1')).toHaveLength(6);
    expect(picks.filter((p) => p === 'b:1')).toHaveLength(2);
  });

  it('skips weight-0 and unhealthy targets; none left -> undefined', () => {
    const a = aTarget(upstream, 'a:1', 100);
    const zero = aTarget(upstream, 'z:1', 0);
    const balancer = new RoundRobinBalancer();
    const health = { isHealthy: (id: string) => id !== a.id };
    expect(balancer.pick(upstream, [a, zero], undefined)?.target).toBe('a:1');
    expect(balancer.pick(upstream, [a, zero], health)).toBeUndefined();
    expect(balancer.pick(upstream, [zero], undefined)).toBeUndefined();
    expect(balancer.pick(upstream, [], undefined)).toBeUndefined();
  });

  it('honours healthchecks.threshold', () => {
    const strict = anUpstream({ healthchecks: { ...upstream.healthchecks, threshold: 60 } });
    const a = aTarget(strict, 'a:1', 100);
    const b = aTarget(strict, 'b:1', 100);
    const health = { isHealthy: (id: string) => id !== a.id };
    expect(new RoundRobinBalancer().pick(strict, [a, b], health)).toBeUndefined();
  });

  it('prefers targets not yet tried for this request', () => {
    const a = aTarget(upstream, 'a:1', 100);
    const b = aTarget(upstream, 'b:1', 100);
    const balancer = new RoundRobinBalancer();
    for (let i = 0; i < 4; i++)
      expect(balancer.pick(upstream, [a, b], undefined, new Set([a.id]))?.target).toBe('b:1');
  });
});
