import type { Instance, ServiceView } from '@kong-registry/sdk';
import { isRegistryError } from '../errors';
import {
  countServices,
  decodeBucket,
  HISTORY_MINUTES,
  minuteOf,
  parseWindow,
  pointsOf,
} from './timeline';

const T0 = Date.parse('2030-01-01T12:00:00.000Z');
const M0 = minuteOf(T0);

function instance(id: string, extra: Partial<Instance> = {}): Instance {
  return { instanceId: id, draining: false, gatewayHealth: null, ...extra } as Instance;
}

describe('history timeline', () => {
  it('counts live and healthy instances by the one rule (draining, Kong, own report)', () => {
    const services = [
      {
        name: 'orders',
        instances: [
          instance('a'),
          instance('b', { draining: true }),
          instance('c', { gatewayHealth: { status: 'UNHEALTHY', reportedAt: '' } }),
          instance('d', {
            selfHealth: { status: 'unhealthy', reportedAt: '' },
          } as Partial<Instance>),
          instance('e', { gatewayHealth: { status: 'HEALTHY', reportedAt: '' } }),
        ],
      },
      { name: 'users', instances: [instance('u')] },
    ] as ServiceView[];
    expect(countServices(services)).toEqual([
      { service: 'orders', total: 5, healthy: 2 },
      { service: 'users', total: 1, healthy: 1 },
    ]);
  });

  it('reads a stored bucket, and nothing from a malformed one', () => {
    expect(decodeBucket(M0, '42:3:2:1:4')).toEqual({
      at: '2030-01-01T12:00:00.000Z',
      total: 3,
      healthy: 2,
      minHealthy: 1,
      maxTotal: 4,
    });
    for (const bad of ['', '1:2:3:4', '1:2:3:4:x', '-1:2:3:4:5', '1:2:3:4:5:6'])
      expect(decodeBucket(M0, bad)).toBeUndefined();
  });

  it('returns the minutes of the window ending now, oldest first, skipping the rest', () => {
    const fields = {
      [String(M0)]: '9:2:2:2:2',
      [String(M0 - 1)]: '8:2:1:1:2',
      [String(M0 - 15)]: '5:1:1:1:1', // just outside a 15-minute window
      [String(M0 + 1)]: '10:3:3:3:3', // a later minute than now (a faster clock)
      junk: '1:1:1:1:1',
      [String(M0 - 2)]: 'garbled',
    };
    const points = pointsOf(fields, T0 + 59_999, 15);
    expect(points.map((p) => [p.at, p.healthy])).toEqual([
      ['2030-01-01T11:59:00.000Z', 1],
      ['2030-01-01T12:00:00.000Z', 2],
    ]);
    expect(pointsOf(fields, T0, 16)).toHaveLength(3);
  });

  it('takes ?window= in whole minutes or hours up to the hour kept, 400 otherwise', () => {
    expect(parseWindow(undefined)).toBe(HISTORY_MINUTES);
    expect(parseWindow('1h')).toBe(60);
    expect(parseWindow('15m')).toBe(15);
    expect(parseWindow('60m')).toBe(60);
    for (const bad of ['2h', '61m', '0m', '15', '1.5h', '15 m', '-5m', '90s', '', 'soon', ['1h']]) {
      let thrown: unknown;
      try {
        parseWindow(bad);
      } catch (err) {
        thrown = err;
      }
      expect(isRegistryError(thrown) && thrown.statusCode === 400).toBe(true);
      expect((thrown as Error).message).toMatch(/^invalid window/);
    }
    expect(() => parseWindow('2h')).toThrow(/keeps 60 minutes/);
    expect(() => parseWindow('soon')).toThrow(/e\.g\. 15m or 1h/);
  });
});
