/**
 * The admin page (/ui) in headless Chromium against a real registry on real Redis: it shows what
 * is registered, follows changes live over the event stream (no reload, no polling: the page is
 * opened with `?refresh=0`), never shows a secret and never turns data into markup.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { sharedRedisUrl, uniquePrefix } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { launchChromium } from './helpers/chromium';

jest.setTimeout(60_000);

let registry: RunningRegistry;
/** Same Redis, key prefix and secret: a restarted registry sees the same data and tokens. */
let registryEnv: Record<string, string>;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let adminToken: string;

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

async function registerInstance(
  service: string,
  instanceId: string,
  prefix: string,
): Promise<void> {
  const token = registry.mintToken({ role: 'service', service });
  const response = await api('PUT', `/v1/services/${service}/instances/${instanceId}`, token, {
    host: '127.0.0.1',
    port: 9,
    prefix,
    auth: 'key-auth',
    ttlSeconds: 60,
  });
  expect([200, 201]).toContain(response.status); // 201 the first time, 200 on a refresh
}

/** Opens the page without polling and connects with the admin token through the form. */
async function openConnectedPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${registry.url}/ui/?refresh=0`);
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('#stream-state', { hasText: 'live' }).waitFor();
  return page;
}

beforeAll(async () => {
  registryEnv = {
    REDIS_URL: sharedRedisUrl(),
    REGISTRY_KEY_PREFIX: uniquePrefix('ui'),
    REGISTRY_JWT_SECRET: randomBytes(32).toString('hex'),
    REGISTRY_UI_DIR: join(__dirname, '..', '..', 'registry', 'ui'),
    LOG_LEVEL: 'silent',
  };
  registry = await startRegistry({ host: '127.0.0.1', port: 0, env: registryEnv });
  if (!registry.adminToken) throw new Error('the registry could not mint an admin token');
  adminToken = registry.adminToken;
  browser = await launchChromium();
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  if (registry) {
    const keys = await registry.redis.keys(`${registry.config.keyPrefix}*`);
    if (keys.length > 0) await registry.redis.del(...keys);
    await registry.close();
  }
});

describe('admin page /ui', () => {
  it('asks for a token before showing anything when none is stored', async () => {
    const page = await context.newPage();
    await page.goto(`${registry.url}/ui/?refresh=0`);
    await page.locator('#notice', { hasText: 'admin token' }).waitFor();
    await expect(page.locator('#stream-state').textContent()).resolves.toContain('token needed');
    await page.close();
  });

  it('shows a newly registered service without a reload, live from the event stream', async () => {
    const page = await openConnectedPage();
    await page.evaluate(() => Object.assign(globalThis, { loadedOnce: 'still the same document' }));
    const service = `live-${randomBytes(3).toString('hex')}`;

    await registerInstance(service, 'i-1', `/${service}`);

    const row = page.locator(`tr[data-service="${service}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect(row.locator('td').first().textContent()).resolves.toBe(`/${service}`);
    await expect(row.textContent()).resolves.toContain('key-auth');
    await expect(row.locator('li[data-instance-id="i-1"]').textContent()).resolves.toMatch(
      /127\.0\.0\.1:9 · heartbeat \d+s ago, lease (\d+m )?\d+s left Kong: not reported/,
    );
    await page
      .locator('#events li[data-event-type="instance.registered"]', { hasText: service })
      .waitFor();
    // The same document all along: nothing reloaded the page.
    await expect(
      page.evaluate(() => (globalThis as { loadedOnce?: string }).loadedOnce),
    ).resolves.toBe('still the same document');

    // A second instance and a drain arrive the same way.
    await registerInstance(service, 'i-2', `/${service}`);
    await row.locator('li[data-instance-id="i-2"]').waitFor();
    const drained = await api(
      'DELETE',
      `/v1/services/${service}/instances/i-1?drain=true`,
      adminToken,
    );
    expect(drained.status).toBeLessThan(300);
    await row.locator('li[data-instance-id="i-1"] .badge[data-health="draining"]').waitFor();
    await page.close();
  });

  it('shows every prefix of a service that claims extra ones', async () => {
    const page = await openConnectedPage();
    const service = `rpc-${randomBytes(3).toString('hex')}`;
    const token = registry.mintToken({ role: 'service', service });
    const response = await api('PUT', `/v1/services/${service}/instances/i-1`, token, {
      host: '127.0.0.1',
      port: 9,
      protocol: 'grpc',
      prefix: `/${service}.Orders`,
      extraPrefixes: [`/${service}.Payments`],
      ttlSeconds: 60,
    });
    expect(response.status).toBe(201);
    const cell = page.locator(`tr[data-service="${service}"] td.prefixes`);
    await cell.waitFor({ timeout: 10_000 });
    await expect(cell.locator('code').allTextContents()).resolves.toEqual([
      `/${service}.Orders`,
      `/${service}.Payments`,
    ]);
    await page.close();
  });

  it('lists route-less workers in their own section with labels and their own health', async () => {
    const service = `worker-${randomBytes(3).toString('hex')}`;
    const token = registry.mintToken({ role: 'service', service });
    const base = `/v1/services/${service}/instances/w-1`;
    const registered = await api('PUT', base, token, {
      host: '127.0.0.1',
      port: 9,
      route: false,
      labels: { gpu: 'true', host: 'box-2' },
      ttlSeconds: 60,
    });
    expect(registered.status).toBe(201);
    const beat = await api('PUT', `${base}/heartbeat`, token, {
      health: { status: 'unhealthy', detail: '<b>CUDA</b> device lost' },
    });
    expect(beat.status).toBe(200);

    const page = await openConnectedPage();
    const row = page.locator(`#workers tr[data-service="${service}"]`);
    await row.waitFor();
    await expect(page.locator(`#routes tr[data-service="${service}"]`).count()).resolves.toBe(0);
    await expect(row.locator('.summary').textContent()).resolves.toBe('1 live, 0 healthy');
    const instance = row.locator('li[data-instance-id="w-1"]');
    await expect(
      instance.locator('.badge.self-health[data-health="unhealthy"]').textContent(),
    ).resolves.toBe('self: unhealthy (<b>CUDA</b> device lost)');
    await expect(instance.locator('.label').allTextContents()).resolves.toEqual([
      'gpu=true',
      'host=box-2',
    ]);
    await expect(instance.textContent()).resolves.not.toContain('Kong:');
    await expect(instance.locator('b').count()).resolves.toBe(0);
    await page.close();
  });

  it('removes a deregistered service live', async () => {
    const service = `gone-${randomBytes(3).toString('hex')}`;
    await registerInstance(service, 'only', `/${service}`);
    const page = await openConnectedPage();
    const row = page.locator(`tr[data-service="${service}"]`);
    await row.waitFor();

    const response = await api('DELETE', `/v1/services/${service}/instances/only`, adminToken);
    expect(response.status).toBeLessThan(300);

    await row.waitFor({ state: 'detached' });
    await page
      .locator('#events li[data-event-type="instance.deregistered"]', { hasText: service })
      .waitFor();
    await page.close();
  });

  it('lists consumers without secrets and shows hostile text as text', async () => {
    const page = await openConnectedPage();
    const username = `buyer-${randomBytes(3).toString('hex')}`;
    const hostile = '<img src=x onerror="window.pwned=1">';
    const created = await api('POST', '/v1/consumers', adminToken, {
      username,
      customId: hostile,
      groups: ['staff'],
    });
    expect(created.status).toBe(201);
    const keyReply = await api('POST', `/v1/consumers/${username}/credentials`, adminToken, {
      type: 'key-auth',
    });
    expect(keyReply.status).toBe(201);
    const { key } = (await keyReply.json()) as { key: string };
    const jwtReply = await api('POST', `/v1/consumers/${username}/credentials`, adminToken, {
      type: 'jwt',
    });
    expect(jwtReply.status).toBe(201);
    const { secret } = (await jwtReply.json()) as { secret: string };

    const row = page.locator(`tr[data-consumer="${username}"]`);
    await row.locator('li', { hasText: 'jwt' }).waitFor();
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe(hostile);
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('staff');
    await expect(row.locator('img').count()).resolves.toBe(0);
    await expect(
      page.evaluate(() => (globalThis as { pwned?: number }).pwned),
    ).resolves.toBeUndefined();
    const html = await page.content();
    expect(key.length).toBeGreaterThan(0);
    expect(html).not.toContain(key);
    expect(html).not.toContain(secret);
    await page.close();
  });

  it("shows Kong's view of each instance as the control plane reports it", async () => {
    const service = `kong-${randomBytes(3).toString('hex')}`;
    await registerInstance(service, 'k-1', `/${service}`);
    const page = await openConnectedPage();
    const row = page.locator(`tr[data-service="${service}"]`);
    await row.locator('.summary', { hasText: '1 live, 1 taking traffic' }).waitFor();

    const reported = await api(
      'PUT',
      `/v1/services/${service}/instances/k-1/gateway-health`,
      adminToken,
      {
        status: 'UNHEALTHY',
      },
    );
    expect(reported.status).toBe(200);

    await row.locator('.badge[data-health="UNHEALTHY"]', { hasText: 'Kong: unhealthy' }).waitFor();
    await row.locator('.summary', { hasText: '1 live, 0 taking traffic' }).waitFor();
    await page.close();
  });

  it('takes the token from a #token= link and removes it from the address bar', async () => {
    const page = await context.newPage();
    await page.goto(`${registry.url}/ui/?refresh=0#token=${encodeURIComponent(adminToken)}`);
    await page.locator('#stream-state', { hasText: 'live' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await page.close();
  });

  it('parses the event stream format across chunk boundaries (in the browser)', async () => {
    const page = await context.newPage();
    await page.goto(`${registry.url}/ui/?refresh=0`);
    // A string, so TypeScript's CommonJS output does not rewrite the browser's import().
    const messages = await page.evaluate(`(async () => {
      const { createSseParser } = await import('./sse.js');
      const seen = [];
      const parser = createSseParser((m) => seen.push(m));
      const chunks = ['retry: 1000\\n\\n: keep-alive\\n\\nid: 1-0\\r', '\\nevent: a\\ndata: {"x"', ':1}\\r\\n\\r\\n'];
      for (const chunk of chunks) parser.push(chunk);
      parser.push('id: 2-0\\ndata: line one\\ndata: line two\\n\\ndata: no id\\n');
      parser.push('\\n');
      return { seen, lastEventId: parser.lastEventId };
    })()`);
    expect(messages).toEqual({
      seen: [
        { id: '1-0', event: 'a', data: '{"x":1}' },
        { id: '2-0', event: 'message', data: 'line one\nline two' },
        { id: '2-0', event: 'message', data: 'no id' },
      ],
      lastEventId: '2-0',
    });
    await page.close();
  });

  it('reconnects after the registry restarts and catches up on what happened meanwhile', async () => {
    const page = await openConnectedPage();
    const { port } = registry;
    await registry.close();
    await page.locator('#stream-state', { hasText: 'retrying' }).waitFor();

    // While the page's registry is down, another replica (same Redis) takes a registration.
    const replica = await startRegistry({ host: '127.0.0.1', port: 0, env: registryEnv });
    const service = `missed-${randomBytes(3).toString('hex')}`;
    const token = replica.mintToken({ role: 'service', service });
    const registered = await fetch(`${replica.url}/v1/services/${service}/instances/m-1`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ host: '127.0.0.1', port: 9, ttlSeconds: 60 }),
    });
    expect(registered.status).toBe(201);
    await replica.close();

    registry = await startRegistry({ host: '127.0.0.1', port, env: registryEnv });
    await page.locator('#stream-state', { hasText: 'live' }).waitFor({ timeout: 20_000 });
    await page.locator(`tr[data-service="${service}"]`).waitFor();
    await page
      .locator('#events li[data-event-type="instance.registered"]', { hasText: service })
      .waitFor();
    await page.close();
  });

  it('shows the registry as ready', async () => {
    const page = await openConnectedPage();
    await page.locator('#registry-health[data-state="ok"]', { hasText: 'ready' }).waitFor();
    await expect(
      waitFor(() =>
        page
          .locator('#revision')
          .textContent()
          .then((t) => t !== '–'),
      ),
    ).resolves.toBe(true);
    await page.close();
  });

  it('numbers more than ten events in full (two digits, none cut off), newest first', async () => {
    const service = `many-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 12; i++) await registerInstance(service, `i-${i}`, `/${service}`);
    const page = await openConnectedPage();
    const items = page.locator('#events li', { hasText: service });
    await waitFor(async () => (await items.count()) >= 12, { what: '12 events listed' });
    const shot = join(tmpdir(), 'kong-registry-ui-events.png');
    await page.locator('#events').screenshot({ path: shot });
    console.log(`ui: the event list with more than 10 events: ${shot}`);

    const numbers = await page.locator('#events .event-number').evaluateAll((spans) => {
      return spans.map((span) => {
        const list = span.closest('#events')!.getBoundingClientRect();
        const box = span.getBoundingClientRect();
        return {
          text: span.textContent,
          inside: box.left >= list.left && box.right <= list.right,
          whole: span.scrollWidth <= span.clientWidth,
        };
      });
    });
    expect(numbers.length).toBeGreaterThanOrEqual(12);
    // Newest first, counting down to 1, every number whole and inside the list's box.
    expect(numbers.map((n) => n.text)).toEqual(numbers.map((_, i) => `${numbers.length - i}.`));
    expect(numbers.every((n) => n.inside && n.whole)).toBe(true);
    await page.close();
  });
});
