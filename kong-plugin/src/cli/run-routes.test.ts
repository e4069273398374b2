import { makeInstance, makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import {
  filterRowsByLabels,
  formatRouteTable,
  parseLabelFlags,
  registryStateOf,
  routelessRows,
  type RouteRowView,
} from './run-routes';

const at = TEST_NOW.toISOString();

describe('routes: workers and labels', () => {
  const snapshot = makeSnapshot([
    makeService('orders', [makeInstance('orders', 'o-1', { labels: { host: 'box-2' } })]),
    makeService(
      'gpu-worker',
      [
        makeInstance('gpu-worker', 'w-1', {
          host: '10.0.0.9',
          port: 9100,
          labels: { gpu: 'true', host: 'box-2' },
          selfHealth: { status: 'unhealthy', detail: 'CUDA device lost', reportedAt: at },
        }),
        makeInstance('gpu-worker', 'w-2', { labels: { gpu: 'false' } }),
      ],
      { route: false, prefix: null },
    ),
  ]);

  it('lists only route-less services as worker rows, with their own health', () => {
    const rows = routelessRows(snapshot);
    expect(rows.map((r) => [r.service, r.prefix, r.routeless])).toEqual([
      ['gpu-worker', '(no route)', true],
    ]);
    expect(rows[0]!.instances[0]).toEqual({
      target: '10.0.0.9:9100',
      weight: 100,
      kongHealth: 'n/a',
      instanceId: 'w-1',
      registry: 'live, self unhealthy (CUDA device lost)',
      labels: { gpu: 'true', host: 'box-2' },
    });
  });

  it('describes the registry state with Kong health and the own health', () => {
    const i = makeInstance('orders', 'o-1', {
      draining: true,
      gatewayHealth: { status: 'HEALTHY', reportedAt: at },
      selfHealth: { status: 'healthy', detail: null, reportedAt: at },
    });
    expect(registryStateOf(i)).toBe('draining, reported HEALTHY, self healthy');
  });

  it('filters instances by every label, dropping rows left empty', () => {
    const route: RouteRowView = {
      prefix: '/orders',
      route: 'orders',
      service: 'orders',
      managed: true,
      auth: [],
      instances: [
        {
          target: 'a:1',
          weight: 100,
          kongHealth: 'HEALTHY',
          instanceId: 'o-1',
          registry: 'live',
          labels: { host: 'box-2' },
        },
        {
          target: 'b:1',
          weight: 100,
          kongHealth: 'HEALTHY',
          instanceId: undefined,
          registry: 'not registered',
        },
      ],
    };
    const rows = [route, ...routelessRows(snapshot)];
    const ids = (selected: RouteRowView[]) =>
      selected.map((r) => `${r.service}:${r.instances.map((i) => i.instanceId).join(',')}`);
    expect(ids(filterRowsByLabels(rows, []))).toEqual(['orders:o-1,', 'gpu-worker:w-1,w-2']);
    expect(ids(filterRowsByLabels(rows, [{ key: 'host', value: 'box-2' }]))).toEqual([
      'orders:o-1',
      'gpu-worker:w-1',
    ]);
    expect(
      ids(
        filterRowsByLabels(rows, [
          { key: 'host', value: 'box-2' },
          { key: 'gpu', value: 'true' },
        ]),
      ),
    ).toEqual(['gpu-worker:w-1']);
  });

  it('parses --label flags, or says what is wrong', () => {
    expect(parseLabelFlags(undefined)).toEqual([]);
    expect(parseLabelFlags(['gpu=true', 'host=box-2'])).toEqual([
      { key: 'gpu', value: 'true' },
      { key: 'host', value: 'box-2' },
    ]);
    expect(parseLabelFlags(['gpu'])).toMatch(/^--label: a label filter is key=value/);
  });

  it('prints workers in their own section, with labels', () => {
    const text = formatRouteTable(routelessRows(snapshot));
    expect(text.split('\n')).toEqual([
      'PREFIX  SERVICE  MANAGED  AUTH  INSTANCES (target weight kong-health / registry)',
      '',
      'Workers (no route):',
      '  gpu-worker  w-1 10.0.0.9:9100  live, self unhealthy (CUDA device lost) [gpu=true,host=box-2]',
      '  gpu-worker  w-2 10.0.0.1:8080  live [gpu=false]',
    ]);
  });
});
