/**
 * The shipped alerting rules on a real Prometheus (Debian's `prometheus`, 2.42): it scrapes the
 * registry, the controller and kong-sim with the shipped scrape config on local ports, the last
 * instance of a service is SIGKILLed, Kong's health checks take it out, the controller reports
 * that to the registry, and KongRegistryServiceNoHealthyInstance goes pending, then firing.
 * The rules' `for:` values are shortened (3 s) in a copy; nothing else of them changes.
 *
 * kong-sim's job is scraped as shipped (its Admin API answers /metrics like Kong's prometheus
 * plugin); nothing here depends on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports';
import { spawnCaptured, type CapturedProcess } from '../../helpers/process';
import { waitFor } from '../../helpers/wait';
import { startStack, type Stack } from '../controller/harness';
import {
  localConfig,
  rulesWithFor,
  startPrometheus,
  type RunningPrometheus,
} from './prometheus-server';

const ALERT = 'KongRegistryServiceNoHealthyInstance';
const SERVICE = 'billing';
const SHORT_FOR = '3s';
const DASHBOARD = join(
  __dirname,
  '..',
  '..',
  '..',
  'deploy',
  'grafana',
  'dashboards',
  'kong-registry.json',
);

interface DashboardPanel {
  title: string;
  targets: { expr: string; legendFormat?: string }[];
}
const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: DashboardPanel[] }).panels;
/** A dashboard query as Grafana sends it to Prometheus. */
const asSent = (expr: string) => expr.replaceAll('$__rate_interval', '1m');

let stack: Stack;
let prometheus: RunningPrometheus;
let instance: CapturedProcess;

const hostPort = (url: string) => new URL(url).host;

/** A process answering 200 to everything (Kong's probe of /health included) on `port`. */
async function startInstance(port: number): Promise<CapturedProcess> {
  const proc = spawnCaptured(process.execPath, [
    '-e',
    "require('node:http').createServer((q, s) => s.end('ok'))" +
      ".listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'))",
    String(port),
  ]);
  await waitFor(() => proc.stdout().includes('listening'), { what: 'the instance to listen' });
  return proc;
}

beforeAll(async () => {
  stack = await startStack({
    env: {
      METRICS_PORT: '0',
      // Kong's health of every service reaches the registry twice a second.
      HEALTH_FEEDBACK_INTERVAL: '500ms',
      HEALTH_FEEDBACK_FULL_INTERVAL: '1s',
    },
  });
  await stack.controllers[0]!.start();
  const status = stack.controllers[0]!.statusAddress!;
  const { text: rules, original } = rulesWithFor(SHORT_FOR);
  // The shortened value is what makes pending observable in seconds: the shipped one is longer.
  expect(original.get(ALERT)).toBe('2m');
  prometheus = await startPrometheus(
    (rulesPath) =>
      localConfig(
        {
          'kong-registry': hostPort(stack.registry.url),
          'kong-registry-controller': `${status.host}:${status.port}`,
          kong: hostPort(stack.kong.admin),
        },
        rulesPath,
      ),
    rules,
  );
}, 60_000);

afterAll(async () => {
  if (instance && instance.child.exitCode === null && instance.child.signalCode === null)
    instance.child.kill('SIGKILL');
  await prometheus?.close();
  await stack?.close();
});

it('scrapes the registry and the controller with the shipped jobs', async () => {
  const targets = await waitFor(
    async () => {
      const { activeTargets } = await prometheus.api<{
        activeTargets: { labels: { job: string }; health: string }[];
      }>('targets');
      const up = new Set(activeTargets.filter((t) => t.health === 'up').map((t) => t.labels.job));
      return up.has('kong-registry') && up.has('kong-registry-controller') && activeTargets;
    },
    { what: 'registry and controller targets up', timeoutMs: 20_000 },
  );
  expect(targets.map((t) => t.labels.job).sort()).toEqual([
    'kong',
    'kong-registry',
    'kong-registry-controller',
  ]);
  expect(await prometheus.query('kr_controller_leader')).toEqual([
    [expect.objectContaining({ job: 'kong-registry-controller' }), 1],
  ]);
});

it('killing the last instance of a service makes its alert go pending, then firing', async () => {
  const port = await freePort();
  instance = await startInstance(port);
  await stack.register(SERVICE, 'b-1', {
    host: '127.0.0.1',
    port,
    // The lease outlives the test: the alert comes from Kong's health checks, not from expiry.
    ttlSeconds: 120,
    healthCheck: {
      path: '/health',
      intervalSeconds: 1,
      healthyThreshold: 1,
      unhealthyThreshold: 1,
      timeoutSeconds: 1,
    },
  });
  // Healthy in Kong, in the registry and in Prometheus, with no alert for it.
  const sample = async (expr: string) => (await prometheus.query(expr))[0]?.[1];
  await waitFor(
    async () =>
      (await sample(`kr_instance_gateway_up{service="${SERVICE}",instance_id="b-1"}`)) === 1 &&
      (await sample(`kr_service_healthy_instances{service="${SERVICE}"}`)) === 1,
    { what: 'Prometheus to see the instance healthy in Kong', timeoutMs: 30_000 },
  );
  const ours = async () =>
    (await prometheus.alerts()).filter(
      (a) => a.labels.alertname === ALERT && a.labels.service === SERVICE,
    );
  expect(await ours()).toEqual([]);

  instance.child.kill('SIGKILL');
  await instance.exited;

  // Every state the alert shows, in order, until it fires.
  const states: string[] = [];
  const firing = await waitFor(
    async () => {
      const [alert] = await ours();
      if (alert && states.at(-1) !== alert.state) states.push(alert.state);
      return alert?.state === 'firing' && alert;
    },
    { what: `${ALERT} to fire for ${SERVICE}`, timeoutMs: 60_000, intervalMs: 100 },
  );
  expect(states).toEqual(['pending', 'firing']);
  expect(firing.labels).toEqual({
    alertname: ALERT,
    severity: 'critical',
    service: SERVICE,
    routed: 'true',
  });
  // Kong took the instance out; the registry still holds its lease.
  expect(await sample(`kr_instance_gateway_up{service="${SERVICE}",instance_id="b-1"}`)).toBe(0);
  expect(await sample(`max(kr_service_instances{service="${SERVICE}"})`)).toBe(1);
}, 120_000);

it("the dashboard's queries run on what Prometheus scraped; Services by health counts the dead one", async () => {
  for (const panel of panels)
    for (const { expr } of panel.targets)
      await expect(prometheus.query(asSent(expr))).resolves.toBeDefined();
  const health = panels.find((p) => p.title === 'Services by health')!;
  const count = async (legend: string) => {
    const target = health.targets.find((t) => t.legendFormat === legend)!;
    return (await prometheus.query(asSent(target.expr))).map(([, value]) => value);
  };
  // The stack registered nothing but the killed service.
  expect(await count('no healthy instance')).toEqual([1]);
  expect(await count('degraded')).toEqual([0]);
  expect(await count('all healthy')).toEqual([0]);
});
