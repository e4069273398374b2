import {
  anUpstream,
  aTarget,
  defaultHealthchecks,
  MemoryStore,
} from '../proxy/__tests__/memory-store';
import { silentLogger } from './checker';
import { HealthRegistry } from './registry';

function setup() {
  const store = new MemoryStore();
  const healthchecks = defaultHealthchecks();
  healthchecks.passive.unhealthy.tcp_failures = 1;
  const upstream = store.put('upstreams', anUpstream({ healthchecks }));
  const target = store.put('targets', aTarget(upstream, '10.0.0.1:8080'));
  const registry = new HealthRegistry(store, {
    probe: () => Promise.resolve({ kind: 'connected' }),
    logger: silentLogger,
  });
  return { store, upstream, target, registry };
}

// Kong's rules: kong-sim/KONG_BEHAVIOUR.md#upstream-health-view and
// #manual-overrides-and-checker-lifetime (which notes where kong-sim's rebuild differs).
describe('HealthRegistry', () => {
  it('loses health state when the upstream targets change, keeps it on timestamp-only writes', () => {
    const { store, upstream, target, registry } = setup();
    expect(registry.setTargetHealth(upstream.id, target, false)).toBe(true);
    expect(registry.targetHealth(upstream.id, target).health).toBe('UNHEALTHY');

    store.put('targets', { ...target, updated_at: target.updated_at + 1 });
    expect(registry.targetHealth(upstream.id, target).health).toBe('UNHEALTHY');

    store.put('targets', aTarget(upstream, '10.0.0.2:8080'));
    expect(registry.targetHealth(upstream.id, target).health).toBe('HEALTHY');
    registry.close();
  });

  it('reports HEALTHCHECKS_OFF for weight 0 and when checking is off; no checker -> false', () => {
    const { store, upstream, registry } = setup();
    const idle = store.put('targets', aTarget(upstream, '10.0.0.3:8080', 0));
    expect(registry.targetHealth(upstream.id, idle)).toEqual({
      health: 'HEALTHCHECKS_OFF',
      addresses: [{ ip: '10.0.0.3', port: 8080, weight: 0, health: 'HEALTHCHECKS_OFF' }],
    });
    const off = store.put('upstreams', anUpstream({ name: 'off.upstream' }));
    const offTarget = store.put('targets', aTarget(off, '10.0.0.4:8080'));
    expect(registry.isHealthcheckingOn(off.id)).toBe(false);
    expect(registry.targetHealth(off.id, offTarget).health).toBe('HEALTHCHECKS_OFF');
    expect(registry.setTargetHealth(off.id, offTarget, false)).toBe(false);
    registry.close();
  });

  it('passive.healthy.successes alone does not turn checking on (rule 4)', () => {
    const store = new MemoryStore();
    const healthchecks = defaultHealthchecks();
    healthchecks.passive.healthy.successes = 5;
    const upstream = store.put('upstreams', anUpstream({ healthchecks }));
    const registry = new HealthRegistry(store, {
      probe: () => Promise.resolve({ kind: 'connected' }),
      logger: silentLogger,
    });
    expect(registry.isHealthcheckingOn(upstream.id)).toBe(false);
    registry.close();
  });
});
