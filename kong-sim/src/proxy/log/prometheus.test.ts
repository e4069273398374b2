import type { HealthView, StoreReader, TargetEntity, UpstreamEntity } from '../../store/types';
import { PrometheusExporter } from './prometheus';

const upstream = { id: 'u1', name: 'orders.upstream' } as UpstreamEntity;
const target = (name: string): TargetEntity =>
  ({ id: name, target: name, upstream: { id: 'u1' }, weight: 100 }) as TargetEntity;

function view(health: HealthView['targetHealth']) {
  const targets = [target('10.0.0.1:80'), target('unresolvable.invalid:80')];
  const store = {
    list: (kind: string) => (kind === 'upstreams' ? [upstream] : kind === 'targets' ? targets : []),
  } as unknown as StoreReader;
  return { store, health: { targetHealth: health } as HealthView, nodeId: 'n1', enabled: true };
}

const entry = (latencies: Record<string, number>) => ({
  route: { id: 'r1', name: 'orders' },
  service: { name: 'orders', host: 'orders.upstream' },
  response: { status: 200 },
  source: 'upstream',
  workspace_name: 'default',
  latencies,
});

describe('PrometheusExporter', () => {
  it('shows only the buckets a value reached, bounds without padding, sorted numerically', () => {
    const exporter = new PrometheusExporter();
    exporter.log(entry({ request: 90, proxy: -1, kong: 3 }), { latency_metrics: true });
    const text = exporter.render(view(() => ({ health: 'HEALTHY', addresses: [] })));
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('kong_request_latency_ms_bucket'))
      .map((l) => /le="([^"]+)"/.exec(l)?.[1]);
    expect(buckets).toEqual([
      '100',
      '250',
      '400',
      '700',
      '1000',
      '2000',
      '5000',
      '10000',
      '30000',
      '60000',
      '+Inf',
    ]);
    // -1 (not proxied) is not observed.
    expect(text).not.toContain('kong_upstream_latency_ms');
    expect(text).toContain(
      'kong_kong_latency_ms_sum{service="orders",route="orders",workspace="default"} 3\n',
    );
  });

  it('counts nothing for a request without a route', () => {
    const exporter = new PrometheusExporter();
    exporter.log({ ...entry({}), route: undefined }, { status_code_metrics: true });
    expect(exporter.render(view(() => ({ health: 'HEALTHY', addresses: [] })))).not.toContain(
      'http_requests_total',
    );
  });

  it('reports a target without addresses as dns_error with an empty address', () => {
    const exporter = new PrometheusExporter();
    exporter.log(entry({}), { upstream_health_metrics: true });
    const text = exporter.render(
      view((_u, t) =>
        t.target.startsWith('10.')
          ? {
              health: 'HEALTHY',
              addresses: [{ ip: '10.0.0.1', port: 80, weight: 100, health: 'UNHEALTHY' }],
            }
          : { health: 'DNS_ERROR', addresses: [] },
      ),
    );
    expect(text).toContain(
      'kong_upstream_target_health{upstream="orders.upstream",target="unresolvable.invalid:80",address="",state="dns_error",subsystem="http"} 1\n',
    );
    expect(text).toContain(
      'kong_upstream_target_health{upstream="orders.upstream",target="10.0.0.1:80",address="10.0.0.1:80",state="unhealthy",subsystem="http"} 1\n',
    );
    // A later request through an instance without the flag turns the series off.
    exporter.log(entry({}), { upstream_health_metrics: false });
    expect(exporter.render(view(() => ({ health: 'HEALTHY', addresses: [] })))).not.toContain(
      'upstream_target_health',
    );
  });
});
