/**
 * The pictures of the admin page (/ui) in headless Chromium, against a real registry on real
 * Redis: each service's last-hour timeline (the registry's shared history merged with what the
 * page saw on the event stream) moving as an instance process is SIGKILLed and started again, the
 * fleet grouped by host, and Kong's request and error rates: kong-sim's prometheus plugin, turned on
 * by the controller (KONG_PROMETHEUS_PLUGIN=on, as in the demo), counts real requests proxied to
 * small local servers, and the registry reads its Admin API's /metrics.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { createController, loadConfig, type Controller } from '@kong-registry/kong-plugin';
import { startKongSim, type KongSim } from '@kong-registry/kong-sim';
import {
  startRegistry,
  type HistoryReply,
  type RunningRegistry,
  type TrafficReply,
} from '@kong-registry/registry';
import { sharedRedisUrl, uniquePrefix } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { launchChromium } from './helpers/chromium';
import { startLeaseHolder, type LeaseHolder } from './helpers/lease-holder';
import { sendRequests, startFlakyInstance, type FlakyInstance } from './helpers/traffic';

jest.setTimeout(60_000);

let registry: RunningRegistry;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let adminToken: string;
let kong: KongSim;
let controller: Controller;
const holders: LeaseHolder[] = [];
const instances: FlakyInstance[] = [];

const rand = () => randomBytes(3).toString('hex');

async function api(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${registry.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function register(service: string, id: string, body: Record<string, unknown>) {
  const token = registry.mintToken({ role: 'service', service });
  const res = await api('PUT', `/v1/services/${service}/instances/${id}`, token, {
    host: '127.0.0.1',
    port: 9,
    ttlSeconds: 60,
    ...body,
  });
  expect(res.status).toBe(201);
}

async function holder(service: string, id: string, host: string): Promise<LeaseHolder> {
  const started = await startLeaseHolder({
    registryUrl: registry.url,
    token: registry.mintToken({ role: 'service', service }),
    service,
    instanceId: id,
    // A 2 s lease renewed every 400 ms: a killed holder is gone within about 2 s.
    registration: { host: '127.0.0.1', port: 9, ttlSeconds: 2, labels: { host } },
    heartbeatMs: 400,
  });
  holders.push(started);
  return started;
}

async function openPage(query = '?refresh=0'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${registry.url}/ui/${query}#token=${encodeURIComponent(adminToken)}`);
  await page.locator('#stream-state', { hasText: 'live' }).waitFor();
  return page;
}

beforeAll(async () => {
  // worker_consistency=strict: the first proxied request after a change sees it, with no
  // router timer to wait for (and no probe request to leave out of Kong's counts).
  kong = await startKongSim({ workerConsistency: 'strict' });
  registry = await startRegistry({
    host: '127.0.0.1',
    port: 0,
    env: {
      REDIS_URL: sharedRedisUrl(),
      REGISTRY_KEY_PREFIX: uniquePrefix('ui-insights'),
      REGISTRY_JWT_SECRET: randomBytes(32).toString('hex'),
      REGISTRY_UI_DIR: join(__dirname, '..', '..', 'registry', 'ui'),
      REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
      REGISTRY_REAPER_INTERVAL_MS: '200',
      REGISTRY_HISTORY_SAMPLE_SECONDS: '1',
      REGISTRY_KONG_METRICS_URL: `${kong.admin}/metrics`,
      LOG_LEVEL: 'silent',
    },
  });
  if (!registry.adminToken) throw new Error('the registry could not mint an admin token');
  adminToken = registry.adminToken;
  // The control plane, in-process; the test runs its reconciles (`kong-registry sync`). No Redis
  // lock (a single writer) and no health reports: the instances of the other tests (port 9) would
  // otherwise be reported down by Kong.
  controller = createController(
    loadConfig(
      {},
      {
        REGISTRY_URL: registry.url,
        REGISTRY_TOKEN: adminToken,
        KONG_ADMIN_URL: kong.admin,
        KONG_PROMETHEUS_PLUGIN: 'on',
        HEALTH_FEEDBACK_INTERVAL: '0',
        LOG_LEVEL: 'silent',
      },
    ),
  );
  browser = await launchChromium();
  context = browser.context;
});

afterAll(async () => {
  await Promise.all(holders.map((h) => h.kill()));
  await browser?.close();
  if (registry) {
    const keys = await registry.redis.keys(`${registry.config.keyPrefix}*`);
    if (keys.length > 0) await registry.redis.del(...keys);
    await registry.close();
  }
  await controller?.stop();
  await kong?.close();
  await Promise.all(instances.map((i) => i.close()));
});

describe('admin page /ui: pictures', () => {
  it('shows the timeline change as an instance dies, and the dip after it comes back', async () => {
    const service = `shop-${rand()}`;
    await holder(service, 'a', 'box-1');
    const second = await holder(service, 'b', 'box-2');
    const page = await openPage();
    const chart = page.locator(`tr[data-timeline="${service}"] svg.timeline`);
    const now = page.locator(`tr[data-timeline="${service}"] .timeline-now`);
    await page.locator(`tr[data-timeline="${service}"] svg.timeline[data-now="2/2"]`).waitFor();
    // (A sample may have caught the first instance alone: "· low 1" would be true of this minute.)
    await expect(now.textContent()).resolves.toMatch(/^2\/2 healthy/);
    const before = await chart.innerHTML();

    // The process dies: no deregistration, the lease runs out, the reaper removes it, and the
    // event stream alone (refresh=0) brings the change to the page.
    await second.kill();
    await page.locator(`tr[data-timeline="${service}"] svg.timeline[data-now="1/1"]`).waitFor();
    await expect(now.textContent()).resolves.toBe('1/1 healthy');
    await page
      .locator('#events li[data-event-type="instance.expired"]', { hasText: service })
      .waitFor();
    expect(await chart.innerHTML()).not.toBe(before);

    // The registry's own history saw it too (every replica's sampler, here one, every second).
    const history = await waitFor(
      async () => {
        const res = await api('GET', `/v1/history?window=15m&service=${service}`, adminToken);
        const body = (await res.json()) as HistoryReply;
        const last = body.services[0]?.points.at(-1);
        return last?.total === 1 ? last : undefined;
      },
      { what: 'the history to record the death' },
    );
    expect(history).toMatchObject({ total: 1, healthy: 1, minHealthy: 1 });

    // It starts again: back to 2 of 2, and the minute keeps the dip (red over the green).
    await holder(service, 'b', 'box-2'); // killed with the others after the suite
    await page.locator(`tr[data-timeline="${service}"] svg.timeline[data-now="2/2"]`).waitFor();
    await expect(chart.getAttribute('data-low')).resolves.toBe('1');
    await expect(now.textContent()).resolves.toMatch(/^2\/2 healthy · low 1 at \d\d:\d\d$/);
    await expect(chart.locator('rect.dip').count()).resolves.toBeGreaterThan(0);
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(
      new RegExp(`^${service}, last hour: 2/2 healthy · low 1 at`),
    );
    await page.close();
  });

  it('groups the fleet by host label, falling back to the address, with each state written out', async () => {
    const box = `box-${rand()}`;
    const web = `web-${rand()}`;
    const jobs = `jobs-${rand()}`;
    await register(web, 'w-1', { prefix: `/${web}`, labels: { host: `${box}-1` } });
    await register(web, 'w-2', { prefix: `/${web}`, labels: { host: `${box}-2` } });
    await register(jobs, 'j-1', { route: false, labels: { host: `${box}-2`, gpu: 'true' } });
    await register(jobs, 'j-2', { route: false, host: '10.0.77.5' });
    const page = await openPage();

    const first = page.locator(`li.host[data-host="${box}-1"]`);
    const second = page.locator(`li.host[data-host="${box}-2"]`);
    const bare = page.locator('li.host[data-host="10.0.77.5"]');
    await second.waitFor();
    await expect(second.locator('.summary').textContent()).resolves.toBe('2 running, 2 healthy');
    await expect(second.locator('li strong').allTextContents()).resolves.toEqual([jobs, web]);
    await expect(first.locator('li').count()).resolves.toBe(1);
    await expect(bare.locator('h3').textContent()).resolves.toBe('10.0.77.5 (address)');
    await expect(bare.locator(`li[data-service="${jobs}"] code`).textContent()).resolves.toBe(
      'j-2',
    );

    // Kong takes w-2 out: its box says so.
    const reported = await api(
      'PUT',
      `/v1/services/${web}/instances/w-2/gateway-health`,
      adminToken,
      { status: 'UNHEALTHY' },
    );
    expect(reported.status).toBe(200);
    await second.locator(`li[data-instance-id="w-2"][data-state="down"]`).waitFor();
    await expect(second.locator('.summary').textContent()).resolves.toBe('2 running, 1 healthy');
    await page.close();
  });

  it("shows each service's request and 5xx rates from Kong's prometheus plugin", async () => {
    const busy = `busy-${rand()}`;
    const quiet = `quiet-${rand()}`;
    const busyInstance = await startFlakyInstance(10); // every 10th request: 500
    const quietInstance = await startFlakyInstance(0);
    instances.push(busyInstance, quietInstance);
    await register(busy, 'b-1', { prefix: `/${busy}`, port: busyInstance.port });
    await register(quiet, 'q-1', { prefix: `/${quiet}`, port: quietInstance.port });
    // The controller programs both services and Kong's global prometheus plugin.
    const report = await controller.reconcileOnce();
    expect(report.nodes.map((n) => n.error ?? n.result?.errors.map((e) => e.message))).toEqual([
      [],
    ]);
    expect(report.ok).toBe(true);

    // A read before the traffic, so that the rates span all of it (they are counted from the
    // oldest read of the last minute), then the traffic, then the page's reads: whenever they
    // come, 100 requests and 10 of them 5xx lie between the first read and the newest.
    const before = await api('GET', '/v1/traffic', adminToken);
    expect(((await before.json()) as TrafficReply).services).not.toContainEqual(
      expect.objectContaining({ service: busy }),
    );
    await expect(sendRequests(`${kong.proxy}/${busy}/orders`, 100)).resolves.toEqual({
      200: 90,
      500: 10,
    });
    expect(busyInstance.answered).toEqual({ ok: 90, failed: 10 });
    const page = await openPage('?refresh=1'); // the page reads again until it has two reads

    const rates = page.locator(`tr[data-timeline="${busy}"] .traffic[data-error-percent]`);
    await rates.waitFor({ timeout: 15_000 });
    await expect(rates.getAttribute('data-error-percent')).resolves.toBe('10.0');
    await expect(rates.textContent()).resolves.toMatch(/^\d+(\.\d+)? req\/s · 10\.0% 5xx$/);
    expect(Number(await rates.getAttribute('data-rps'))).toBeGreaterThan(0);
    await expect(page.locator(`tr[data-timeline="${quiet}"] .traffic`).textContent()).resolves.toBe(
      'no requests counted by Kong',
    );
    // Kong's counters as the registry read them: exactly the requests sent.
    const after = (await (await api('GET', '/v1/traffic', adminToken)).json()) as TrafficReply;
    expect(after.services.find((s) => s.service === busy)).toMatchObject({
      requests: 100,
      errors: 10,
    });
    expect(after.services.find((s) => s.service === quiet)).toBeUndefined();
    await page.close();
  });

  it('merges the stored history with what the page saw, minute by minute (in the browser)', async () => {
    const page = await context.newPage();
    await page.goto(`${registry.url}/ui/?refresh=0`);
    // A string, so TypeScript's CommonJS output does not rewrite the browser's import().
    const result = await page.evaluate(`(async () => {
      const { buckets, observe, describeTimeline } = await import('./timeline.js');
      const { groupByHost } = await import('./fleet.js');
      const minute = 60000;
      const now = Date.parse('2030-01-01T12:00:30.000Z');
      const at = (ago) => new Date(now - ago * minute - 30000).toISOString();
      const stored = [
        { at: at(2), total: 3, healthy: 3, minHealthy: 3, maxTotal: 3 },
        { at: at(1), total: 3, healthy: 2, minHealthy: 2, maxTotal: 3 },
        { at: at(0), total: 3, healthy: 3, minHealthy: 3, maxTotal: 3 },
      ];
      const seen = new Map();
      const instance = (id, extra) => ({ instanceId: id, host: '10.0.0.9', draining: false, ...extra });
      observe(seen, [{ name: 'a', instances: [instance('1'), instance('2', { draining: true })] }], now - minute);
      observe(seen, [{ name: 'a', instances: [instance('1')] }], now, ['a', 'gone']);
      const columns = buckets(stored, seen.get('a'), now);
      return {
        length: columns.length,
        last3: columns.slice(-3),
        empty: columns.slice(0, 57).every((c) => c === null),
        words: describeTimeline(columns, now),
        gone: buckets([], seen.get('gone'), now).at(-1),
        hosts: groupByHost([
          { name: 'b', instances: [instance('x', { labels: { host: 'box-10' } }), instance('y')] },
          { name: 'a', instances: [instance('z', { labels: { host: 'box-2' } })] },
        ]).map((g) => [g.host, g.labelled, g.instances.map((i) => i.service + '/' + i.instance.instanceId)]),
      };
    })()`);
    expect(result).toEqual({
      length: 60,
      empty: true,
      last3: [
        { total: 3, healthy: 3, minHealthy: 3, maxTotal: 3 },
        // The stored counts for a past minute; the page saw a draining instance then: 1 healthy.
        { total: 3, healthy: 2, minHealthy: 1, maxTotal: 3 },
        // The current minute: the page's own latest look, the extremes of both.
        { total: 1, healthy: 1, minHealthy: 1, maxTotal: 3 },
      ],
      words: expect.stringMatching(/^1\/1 healthy$/),
      gone: { total: 0, healthy: 0, minHealthy: 0, maxTotal: 0 },
      hosts: [
        ['10.0.0.9', false, ['b/y']],
        ['box-2', true, ['a/z']],
        ['box-10', true, ['b/x']],
      ],
    });
    await page.close();
  });
});
