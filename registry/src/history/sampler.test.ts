import type { ServiceView } from '@kong-registry/sdk';
import pino from 'pino';
import { HistorySampler, type SamplerIo } from './sampler';
import type { HistorySample } from './timeline';

const T0 = Date.parse('2030-01-01T12:00:10.000Z');

function fakeIo(state: { revision: number; services: ServiceView[] }) {
  const calls = { snapshots: 0, records: [] as HistorySample[] };
  const io: SamplerIo = {
    revision: () => Promise.resolve(state.revision),
    snapshot: () => {
      calls.snapshots += 1;
      return Promise.resolve({ revision: state.revision, services: state.services });
    },
    record: (sample) => {
      calls.records.push(structuredClone(sample));
      return Promise.resolve(1);
    },
  };
  return { io, calls };
}

const view = (name: string, ids: string[]): ServiceView =>
  ({
    name,
    instances: ids.map((instanceId) => ({ instanceId, draining: false, gatewayHealth: null })),
  }) as unknown as ServiceView;

describe('HistorySampler', () => {
  it('reads the snapshot only when the revision moved, and writes once per minute and revision', async () => {
    const state = { revision: 7, services: [view('orders', ['a', 'b'])] };
    const { io, calls } = fakeIo(state);
    let now = T0;
    const sampler = new HistorySampler(io, 1000, () => now, pino({ level: 'silent' }));

    await expect(sampler.sampleOnce()).resolves.toBe(true);
    expect(calls.records).toEqual([
      { atMs: T0, revision: 7, services: [{ service: 'orders', total: 2, healthy: 2 }] },
    ]);
    now += 20_000; // same minute, same revision: nothing new to say
    await expect(sampler.sampleOnce()).resolves.toBe(false);
    expect(calls.snapshots).toBe(1);

    now += 40_000; // a new minute: the counts of the same revision, without another snapshot
    await expect(sampler.sampleOnce()).resolves.toBe(true);
    expect(calls.snapshots).toBe(1);
    expect(calls.records[1]).toMatchObject({ atMs: T0 + 60_000, revision: 7 });

    state.revision = 8; // an instance died
    state.services = [view('orders', ['a'])];
    await expect(sampler.sampleOnce()).resolves.toBe(true);
    expect(calls.snapshots).toBe(2);
    expect(calls.records[2]).toEqual({
      atMs: T0 + 60_000,
      revision: 8,
      services: [{ service: 'orders', total: 1, healthy: 1 }],
    });
  });

  it('does not start with an interval of 0 (another replica samples)', async () => {
    const { io, calls } = fakeIo({ revision: 1, services: [] });
    const sampler = new HistorySampler(io, 0, () => T0, pino({ level: 'silent' }));
    sampler.start();
    await sampler.stop();
    expect(calls.records).toEqual([]);
  });
});
