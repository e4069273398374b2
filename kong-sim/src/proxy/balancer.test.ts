import { Dao } from '../dao/dao';
import { MemoryStore as DaoStore } from '../dao/memory-store';
import type { Row } from '../schema/types';
import type { TargetEntity, UpstreamEntity } from '../store/types';
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

describe('RoundRobinBalancer.follow: no state outlives its target (K:kong/runloop/balancer/targets.lua `on_target_event`)', () => {
  /** A DB-mode store with one upstream of `count` targets, each picked once. */
  function pickedUpstream(count: number) {
    const store = new DaoStore();
    const dao = new Dao(store);
    const balancer = new RoundRobinBalancer();
    const unfollow = balancer.follow(store);
    const upstream = dao.insert('upstreams', { name: 'orders' }) as unknown as UpstreamEntity;
    for (let i = 0; i < count; i++)
      dao.insert('targets', { upstream: { id: upstream.id }, target: `10.0.0.${i}:8000` });
    const targets = () =>
      store.list('targets').filter((t) => t.upstream.id === upstream.id) as TargetEntity[];
    for (let i = 0; i < count; i++) balancer.pick(upstream, targets(), undefined);
    return { store, dao, balancer, unfollow, upstream, targets };
  }

  it('forgets each deleted target: churn leaves state for the live targets only', () => {
    const { dao, balancer, upstream, targets } = pickedUpstream(10);
    expect(balancer.trackedTargets).toBe(10);
    // 100 replacements: a new target on a new port, the old one deleted, traffic in between.
    for (let i = 0; i < 100; i++) {
      dao.insert('targets', { upstream: { id: upstream.id }, target: `10.0.1.${i}:9000` });
      dao.delete('targets', targets()[0] as unknown as Row);
      for (let j = 0; j < 10; j++) balancer.pick(upstream, targets(), undefined);
    }
    expect(targets()).toHaveLength(10);
    expect(balancer.trackedTargets).toBe(10);
  });

  it("forgets an upstream's targets when the upstream is deleted (cascade)", () => {
    const { dao, store, balancer, upstream } = pickedUpstream(5);
    dao.delete('upstreams', store.get('upstreams', upstream.id) as unknown as Row);
    expect(store.list('targets')).toHaveLength(0);
    expect(balancer.trackedTargets).toBe(0);
  });

  it('keeps the state of targets a DB-less /config keeps (same id), drops the others', () => {
    const { store, balancer, upstream, targets } = pickedUpstream(4);
    const [kept, ...dropped] = targets();
    store.replaceAll({
      upstreams: [store.get('upstreams', upstream.id) as unknown as Row],
      targets: [kept as unknown as Row],
    });
    expect(dropped).toHaveLength(3);
    expect(balancer.trackedTargets).toBe(1);
  });

  it('stops following once unsubscribed', () => {
    const { dao, balancer, unfollow, targets } = pickedUpstream(2);
    unfollow();
    dao.delete('targets', targets()[0] as unknown as Row);
    expect(balancer.trackedTargets).toBe(2);
  });
});
