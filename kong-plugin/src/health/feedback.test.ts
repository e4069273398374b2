import type { GatewayHealthStatus } from '@kong-registry/sdk';
import { silentLogger } from '../logger';
import type { RegistryClient } from '../registry/client';
import { makeInstance, makeService, makeSnapshot } from '../__tests__/snapshot-factory';
import { HealthReporter, type InstanceHealth } from './feedback';

function setup() {
  const sent: string[] = [];
  const registry = {
    reportGatewayHealth: (service: string, instanceId: string, status: GatewayHealthStatus) => {
      sent.push(`${service}/${instanceId}=${status}`);
      return Promise.resolve();
    },
  } as unknown as RegistryClient;
  let now = 0;
  const reporter = new HealthReporter(registry, silentLogger(), () => now);
  return { sent, reporter, advance: (ms: number) => (now += ms) };
}

const health = (status: GatewayHealthStatus, instanceId = 'a'): InstanceHealth => ({
  service: 'orders',
  instanceId,
  target: 't',
  status,
});
const snapshot = (status: GatewayHealthStatus | null) =>
  makeSnapshot([
    makeService('orders', [
      makeInstance('orders', 'a', { gatewayHealth: status ? { status, reportedAt: '' } : null }),
    ]),
  ]);

describe('HealthReporter', () => {
  it('reports only what differs from the registry, once while the snapshot catches up', async () => {
    const { sent, reporter, advance } = setup();
    expect(await reporter.report(snapshot(null), [health('HEALTHY')])).toBe(1);
    expect(await reporter.report(snapshot(null), [health('HEALTHY')])).toBe(0); // stale snapshot
    expect(await reporter.report(snapshot('HEALTHY'), [health('HEALTHY')])).toBe(0);
    expect(await reporter.report(snapshot('HEALTHY'), [health('UNHEALTHY')])).toBe(1);
    advance(31_000);
    expect(await reporter.report(snapshot('HEALTHY'), [health('UNHEALTHY')])).toBe(1); // registry lost it: resend
    expect(sent).toEqual(['orders/a=HEALTHY', 'orders/a=UNHEALTHY', 'orders/a=UNHEALTHY']);
  });

  it('skips instances the registry no longer has', async () => {
    const { sent, reporter } = setup();
    expect(await reporter.report(snapshot(null), [health('HEALTHY', 'gone')])).toBe(0);
    expect(sent).toEqual([]);
  });
});
