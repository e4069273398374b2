import { HealthGate } from './health-gate';

describe('HealthGate', () => {
  it.each([
    // [healthy threshold, unhealthy threshold, probes, transitions]
    [1, 3, [true], ['became-healthy']],
    [2, 3, [true, true], [undefined, 'became-healthy']],
    [
      1,
      3,
      [true, false, false, false],
      ['became-healthy', undefined, undefined, 'became-unhealthy'],
    ],
    [
      1,
      3,
      [true, false, false, true, false, false],
      ['became-healthy', undefined, undefined, undefined, undefined, undefined],
    ],
    [
      1,
      2,
      [true, false, false, false, true],
      ['became-healthy', undefined, 'became-unhealthy', undefined, 'became-healthy'],
    ],
    [
      2,
      1,
      [false, true, false, true, true],
      ['became-unhealthy', undefined, undefined, undefined, 'became-healthy'],
    ],
  ] as const)('healthy=%i unhealthy=%i: %j -> %j', (healthy, unhealthy, probes, expected) => {
    const gate = new HealthGate({ healthy, unhealthy });
    expect(probes.map((ok) => gate.record(ok))).toEqual(expected);
  });

  it('counts consecutive failures and reports its status', () => {
    const gate = new HealthGate({ healthy: 1, unhealthy: 3 });
    expect(gate.status).toBe('unknown');
    gate.record(false);
    gate.record(false);
    expect(gate.failures).toBe(2);
    expect(gate.status).toBe('unknown');
    gate.record(true);
    expect(gate.failures).toBe(0);
    expect(gate.status).toBe('healthy');
  });
});
