/**
 * The picture in docs/observability.md: the admin page's "Last hour" and "Fleet by host" after
 * an hour of a small fleet's life, with instances going down and up, taken in headless Chromium.
 *
 * The hour is played fast: the registry runs on a clock that stands in the middle of a minute 55
 * minutes ago and is moved forward a minute at a time; at each minute the fleet changes through
 * the registry's API and the registry's own history sampler takes its sample. Then the clock is
 * the wall clock again.
 * Then, in real time, an instance process is SIGKILLed (its lease runs out) and started again,
 * and the page is photographed. Everything on it comes from the code paths of a real run.
 *
 * The request and 5xx rates are kong-sim's prometheus plugin counting real requests. The fleet
 * in the picture lives at made-up addresses that Kong could not reach, so Kong is set up by hand
 * on its Admin API, as for a Kong the controller does not manage: services `orders` and `users`
 * (the names the registry's rates go by) in front of small local servers, and a global
 * prometheus plugin; the registry reads the Admin API's /metrics.
 *
 *   UPDATE_SCREENSHOTS=1 scripts/with-redis.sh npx jest test/e2e/ui-screenshot
 *
 * writes docs/images/ui-last-hour.png; without it the picture goes to the temp folder.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl, uniquePrefix } from '../helpers/redis';
import { launchChromium } from './helpers/chromium';
import { startLeaseHolder, type LeaseHolder } from './helpers/lease-holder';
import {
  kongAdminWrite,
  sendRequests,
  startFlakyInstance,
  type FlakyInstance,
} from './helpers/traffic';

jest.setTimeout(90_000);

const MINUTE = 60_000;
const PAST_MINUTES = 55;
const SHOT = join(__dirname, '..', '..', 'docs', 'images', 'ui-last-hour.png');

/** Where each simulated instance runs: address, host label, and the service's registration. */
const FLEET = {
  orders: { prefix: '/orders', auth: 'key-auth' },
  users: { prefix: '/users', auth: 'jwt' },
  inventory: { prefix: '/inventory', auth: 'key-auth' },
  'gpu-worker': { route: false },
} as const;
type Service = keyof typeof FLEET;
const INSTANCES: Record<string, { service: Service; host: string; address: string }> = {
  'orders-1': { service: 'orders', host: 'box-1', address: '10.0.1.11' },
  'orders-2': { service: 'orders', host: 'box-2', address: '10.0.1.12' },
  'orders-3': { service: 'orders', host: 'box-3', address: '10.0.1.13' },
  'users-1': { service: 'users', host: 'box-1', address: '10.0.1.11' },
  'users-2': { service: 'users', host: 'box-2', address: '10.0.1.12' },
  'users-3': { service: 'users', host: 'box-3', address: '10.0.1.13' },
  'inventory-1': { service: 'inventory', host: 'box-2', address: '10.0.1.12' },
  'gpu-worker-1': { service: 'gpu-worker', host: 'box-3', address: '10.0.1.13' },
};

/** The simulated time while the past is played; undefined: the wall clock. */
let simulated: number | undefined;
let registry: RunningRegistry;
let kong: KongSim;
const backends: FlakyInstance[] = [];
let browser: Awaited<ReturnType<typeof launchChromium>>;
const holders: LeaseHolder[] = [];
const live = new Set<string>();

async function call(method: string, path: string, token: string, body?: unknown): Promise<void> {
  const res = await fetch(`${registry.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

const tokenOf = (service: string) => registry.mintToken({ role: 'service', service });
const path = (id: string) => `/v1/services/${INSTANCES[id]!.service}/instances/${id}`;

async function up(id: string): Promise<void> {
  const { service, host, address } = INSTANCES[id]!;
  const labels = service === 'gpu-worker' ? { host, gpu: 'true' } : { host };
  await call('PUT', path(id), tokenOf(service), {
    host: address,
    port: 9000 + Object.keys(INSTANCES).indexOf(id),
    ttlSeconds: 300,
    labels,
    ...FLEET[service],
  });
  live.add(id);
}

async function down(id: string): Promise<void> {
  await call('DELETE', path(id), registry.adminToken!);
  live.delete(id);
}

const kongSays = (id: string, status: 'HEALTHY' | 'UNHEALTHY') =>
  call('PUT', `${path(id)}/gateway-health`, registry.adminToken!, { status });

const selfHealth = (id: string, status: 'healthy' | 'unhealthy', detail?: string) =>
  call('PUT', `${path(id)}/heartbeat`, tokenOf(INSTANCES[id]!.service), {
    health: { status, ...(detail ? { detail } : {}) },
  });

/** What happens at each simulated minute (minutes ago = PAST_MINUTES - minute). */
const STORY: Record<number, () => Promise<void>> = {
  0: async () => {
    for (const id of ['orders-1', 'orders-2', 'orders-3', 'users-1', 'users-2']) await up(id);
    await up('inventory-1');
    await up('gpu-worker-1');
  },
  12: () => kongSays('orders-2', 'UNHEALTHY'),
  17: () => kongSays('orders-2', 'HEALTHY'),
  20: () => selfHealth('gpu-worker-1', 'unhealthy', 'CUDA device lost'),
  26: () => selfHealth('gpu-worker-1', 'healthy'),
  31: () => down('orders-3'),
  36: () => up('orders-3'),
  40: () => down('inventory-1'),
  44: () => up('users-3'),
  46: () => down('users-2'),
};

beforeAll(async () => {
  // worker_consistency=strict: the first proxied request after the set-up sees all of it.
  kong = await startKongSim({ workerConsistency: 'strict' });
  const backendOf = { orders: await startFlakyInstance(50), users: await startFlakyInstance(0) };
  backends.push(backendOf.orders, backendOf.users);
  for (const [name, backend] of Object.entries(backendOf)) {
    await kongAdminWrite(kong.admin, 'POST', '/services', { name, url: backend.url });
    await kongAdminWrite(kong.admin, 'POST', `/services/${name}/routes`, {
      name,
      paths: [`/${name}`],
    });
  }
  await kongAdminWrite(kong.admin, 'POST', '/plugins', {
    name: 'prometheus',
    config: { status_code_metrics: true },
  });
  registry = await startRegistry({
    host: '127.0.0.1',
    port: 0,
    clock: () => simulated ?? Date.now(),
    env: {
      REDIS_URL: sharedRedisUrl(),
      REGISTRY_KEY_PREFIX: uniquePrefix('ui-shot'),
      REGISTRY_JWT_SECRET: randomBytes(32).toString('hex'),
      REGISTRY_UI_DIR: join(__dirname, '..', '..', 'registry', 'ui'),
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_REAPER_INTERVAL_MS: '200',
      // No timer: the test samples once per simulated minute, never halfway through a change.
      REGISTRY_HISTORY_SAMPLE_SECONDS: '0',
      REGISTRY_KONG_METRICS_URL: `${kong.admin}/metrics`,
      LOG_LEVEL: 'silent',
    },
  });
  browser = await launchChromium({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await Promise.all(holders.map((h) => h.kill()));
  await browser?.close();
  if (registry) {
    const keys = await registry.redis.keys(`${registry.config.keyPrefix}*`);
    if (keys.length > 0) await registry.redis.del(...keys);
    await registry.close();
  }
  await kong?.close();
  await Promise.all(backends.map((b) => b.close()));
});

it('photographs the last hour of a fleet with instances going down and up', async () => {
  const start = (Math.floor(Date.now() / MINUTE) - PAST_MINUTES) * MINUTE + MINUTE / 2;
  // Until the simulated minute meets the wall clock's (a loop that crossed a minute goes on).
  for (
    let minute = 0;
    start + minute * MINUTE < Math.floor(Date.now() / MINUTE) * MINUTE;
    minute++
  ) {
    simulated = start + minute * MINUTE;
    await STORY[minute]?.();
    for (const id of live)
      await call('PUT', `${path(id)}/heartbeat`, tokenOf(INSTANCES[id]!.service));
    await registry.history.sampleOnce();
  }

  // Now in real time: orders-3 becomes a process of its own, with a short lease.
  simulated = undefined;
  const holderOf = () =>
    startLeaseHolder({
      registryUrl: registry.url,
      token: tokenOf('orders'),
      service: 'orders',
      instanceId: 'orders-3',
      registration: {
        host: '10.0.1.13',
        port: 9002,
        ttlSeconds: 2,
        labels: { host: 'box-3' },
        ...FLEET.orders,
      },
      heartbeatMs: 400,
    });
  let process3 = await holderOf();
  holders.push(process3);
  live.delete('orders-3');
  for (const id of live)
    await call('PUT', `${path(id)}/heartbeat`, tokenOf(INSTANCES[id]!.service));
  // The registry reads Kong once (in real time now), then the requests go through Kong: the rates
  // span them all, so orders shows 5 of 250 (2.0%) answered 500 and users none of 80.
  const before = await fetch(`${registry.url}/v1/traffic`, {
    headers: { Authorization: `Bearer ${registry.adminToken!}` },
  });
  await before.text();
  expect(before.status).toBe(200);
  await expect(sendRequests(`${kong.proxy}/orders/orders/42`, 250)).resolves.toEqual({
    200: 245,
    500: 5,
  });
  await expect(sendRequests(`${kong.proxy}/users/users/7`, 80)).resolves.toEqual({ 200: 80 });

  const page = await browser.context.newPage();
  await page.goto(
    `${registry.url}/ui/?refresh=1#token=${encodeURIComponent(registry.adminToken!)}`,
  );
  const orders = page.locator('tr[data-timeline="orders"] svg.timeline');
  await page.locator('tr[data-timeline="orders"] svg.timeline[data-now="3/3"]').waitFor();
  await expect(orders.getAttribute('data-low')).resolves.toBe('2');
  await expect(
    page.locator('tr[data-timeline="inventory"] .timeline-now').textContent(),
  ).resolves.toBe('none live');

  // Down: SIGKILL, the lease runs out; up: a new process registers again.
  await process3.kill();
  await page.locator('tr[data-timeline="orders"] svg.timeline[data-now="2/2"]').waitFor();
  await registry.history.sampleOnce();
  await page.locator('li.host[data-host="box-3"] li[data-instance-id="orders-3"]').waitFor({
    state: 'detached',
  });
  process3 = await holderOf();
  holders.push(process3);
  await page.locator('tr[data-timeline="orders"] svg.timeline[data-now="3/3"]').waitFor();
  await registry.history.sampleOnce();
  await expect(orders.getAttribute('data-low')).resolves.toBe('2');
  await page.locator('tr[data-timeline="orders"] .traffic[data-error-percent="2.0"]').waitFor({
    timeout: 15_000,
  });
  await page.locator('tr[data-timeline="users"] .traffic[data-error-percent="0.0"]').waitFor();

  const top = await page.locator('#timelines-title').boundingBox();
  const bottom = await page.locator('#fleet').boundingBox();
  if (!top || !bottom) throw new Error('the sections to photograph are not on the page');
  const file = process.env.UPDATE_SCREENSHOTS === '1' ? SHOT : join(tmpdir(), 'ui-last-hour.png');
  await page.screenshot({
    path: file,
    clip: { x: 0, y: top.y - 12, width: 1200, height: bottom.y + bottom.height - top.y + 24 },
  });
  console.log(`ui: the last hour, photographed: ${file}`);
  await page.close();
});
