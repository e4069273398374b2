/**
 * What Kong's bundled prometheus plugin exports on the Admin API's `GET /metrics`
 * (kong/plugins/prometheus/api.lua, exporter.lua, handler.lua and the text format of
 * prometheus.lua, Kong 3.9.3), for the series kong-sim models.
 */
import { waitFor } from '../../helpers/wait';
import {
  adminJson,
  proxyCall,
  startEchoUpstream,
  startKongTarget,
  uniqueName,
  type EchoUpstream,
  type KongTarget,
} from './proxy-helpers';

let kong: KongTarget;
let echo: EchoUpstream;

beforeAll(async () => {
  kong = await startKongTarget();
  echo = await startEchoUpstream('counted');
});
afterAll(async () => {
  await echo.kill();
  await kong.close();
});

async function metrics(): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${kong.admin}/metrics`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** Lines of the exposition that start with `prefix`. */
const series = (text: string, prefix: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(prefix));

async function service(plugins: Record<string, unknown>[], auth = false) {
  const name = uniqueName('svc');
  const prefix = `/${uniqueName('p')}`;
  await adminJson(kong, 'POST', '/upstreams', { name: `${name}.up` });
  await adminJson(kong, 'POST', `/upstreams/${name}.up/targets`, { target: echo.address });
  await adminJson(kong, 'POST', '/services', { name, host: `${name}.up` });
  await adminJson(kong, 'POST', `/services/${name}/routes`, { name: `${name}-r`, paths: [prefix] });
  if (auth) await adminJson(kong, 'POST', `/services/${name}/plugins`, { name: 'key-auth' });
  for (const plugin of plugins) await adminJson(kong, 'POST', `/services/${name}/plugins`, plugin);
  return { name, prefix };
}

it('serves GET /metrics as text with no request series while no prometheus plugin is enabled', async () => {
  const { prefix } = await service([]);
  await proxyCall(kong, `${prefix}/x`);
  const res = await metrics();
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/plain; charset=UTF-8');
  expect(res.text).toContain('# TYPE kong_node_info gauge\n');
  expect(res.text).toMatch(/^kong_node_info\{node_id="[0-9a-f-]{36}",version="3\.9\.3"\} 1$/m);
  expect(series(res.text, 'kong_http_requests_total')).toEqual([]);
});

it('counts kong_http_requests_total per service, route, code and source with status_code_metrics', async () => {
  const prometheus = { name: 'prometheus', config: { status_code_metrics: true } };
  const { name, prefix } = await service([prometheus], true);
  const key = uniqueName('key');
  const user = uniqueName('u');
  await adminJson(kong, 'POST', '/consumers', { username: user });
  await adminJson(kong, 'POST', `/consumers/${user}/key-auth`, { key });
  await proxyCall(kong, `${prefix}/a`, { headers: { apikey: key } });
  await proxyCall(kong, `${prefix}/b`, { headers: { apikey: key } });
  await proxyCall(kong, `${prefix}/c`);
  const text = await waitFor(async () => {
    const { text } = await metrics();
    return series(text, `kong_http_requests_total{service="${name}"`).length === 2 && text;
  });
  expect(series(text, `kong_http_requests_total{service="${name}"`)).toEqual([
    `kong_http_requests_total{service="${name}",route="${name}-r",code="200",source="service",workspace="default",consumer=""} 2`,
    `kong_http_requests_total{service="${name}",route="${name}-r",code="401",source="kong",workspace="default",consumer=""} 1`,
  ]);
  expect(text).toContain(
    '# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong\n# TYPE kong_http_requests_total counter\n',
  );
});

it('fills the consumer label with per_consumer', async () => {
  const prometheus = {
    name: 'prometheus',
    config: { status_code_metrics: true, per_consumer: true },
  };
  const { name, prefix } = await service([prometheus], true);
  const key = uniqueName('key');
  const user = uniqueName('u');
  await adminJson(kong, 'POST', '/consumers', { username: user });
  await adminJson(kong, 'POST', `/consumers/${user}/key-auth`, { key });
  await proxyCall(kong, `${prefix}/a`, { headers: { apikey: key } });
  const line = await waitFor(async () =>
    series((await metrics()).text, `kong_http_requests_total{service="${name}"`).at(0),
  );
  expect(line).toContain(`code="200",source="service",workspace="default",consumer="${user}"} 1`);
});

it('observes latencies in histograms with Kong buckets with latency_metrics', async () => {
  const { name, prefix } = await service([
    { name: 'prometheus', config: { latency_metrics: true } },
  ]);
  await proxyCall(kong, `${prefix}/a`);
  const text = await waitFor(async () => {
    const { text } = await metrics();
    return text.includes(`kong_request_latency_ms_count{service="${name}"`) && text;
  });
  const labels = `service="${name}",route="${name}-r",workspace="default"`;
  expect(text).toContain(`kong_request_latency_ms_count{${labels}} 1\n`);
  expect(text).toContain(`kong_upstream_latency_ms_count{${labels}} 1\n`);
  expect(text).toContain(`kong_kong_latency_ms_count{${labels}} 1\n`);
  expect(text).toContain(`kong_request_latency_ms_bucket{${labels},le="60000"} 1\n`);
  expect(text).toContain(`kong_request_latency_ms_bucket{${labels},le="+Inf"} 1\n`);
  expect(text).toContain('# TYPE kong_request_latency_ms histogram\n');
  // No status series without status_code_metrics.
  expect(series(text, `kong_http_requests_total{service="${name}"`)).toEqual([]);
});

it('exports kong_upstream_target_health once a request logged with upstream_health_metrics', async () => {
  const { name, prefix } = await service([
    { name: 'prometheus', config: { upstream_health_metrics: true } },
  ]);
  await proxyCall(kong, `${prefix}/a`);
  const text = await waitFor(async () => {
    const { text } = await metrics();
    return text.includes(`kong_upstream_target_health{upstream="${name}.up"`) && text;
  });
  const at = `upstream="${name}.up",target="${echo.address}",address="${echo.address}"`;
  expect(series(text, `kong_upstream_target_health{${at}`)).toEqual([
    `kong_upstream_target_health{${at},state="dns_error",subsystem="http"} 0`,
    `kong_upstream_target_health{${at},state="healthchecks_off",subsystem="http"} 1`,
    `kong_upstream_target_health{${at},state="healthy",subsystem="http"} 0`,
    `kong_upstream_target_health{${at},state="unhealthy",subsystem="http"} 0`,
  ]);
});
