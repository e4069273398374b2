import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import {
  startRegistry,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type RunningRegistry,
} from '@kong-registry/registry';
import type { LeaseReply } from '@kong-registry/sdk';
import { sharedRedisUrl, uniquePrefix } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';
import { createHarness, registration, TEST_SECRET, type Harness } from './harness';
import { SseReader } from './sse-client';

const OPENAPI_FILE = join(__dirname, '..', '..', '..', 'registry', 'openapi.json');

/** Express 5 routes of an app, as "METHOD /openapi/{style}" strings. */
function listRoutes(app: Harness['app']): string[] {
  const found: string[] = [];
  const walk = (stack: unknown[]): void => {
    for (const layer of stack as {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
    }[]) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          found.push(
            `${method.toUpperCase()} ${layer.route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`,
          );
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app.express as unknown as { router: { stack: unknown[] } }).router.stack);
  return found.sort();
}

describe('registry: OpenAPI, probes, metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves the OpenAPI 3.1 document without a token, equal to registry/openapi.json', async () => {
    const res = await request(h.app).get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ openapi: '3.1.0' });
    // The committed copy is regenerated with: UPDATE_OPENAPI=1 npx jest test/integration/registry/server
    if (process.env.UPDATE_OPENAPI === '1') {
      writeFileSync(OPENAPI_FILE, `${JSON.stringify(res.body, null, 2)}\n`);
    }
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(res.body);
  });

  it('documents every route the app serves', async () => {
    const doc = (await request(h.app).get('/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => k !== 'parameters')
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect(listRoutes(h.app).filter((r) => !r.startsWith('_'))).toEqual(documented);
  });

  it('describes every field of the contract replies', async () => {
    const doc = (await request(h.app).get('/v1/openapi.json')).body as {
      components: { schemas: Record<string, { properties?: object }> };
    };
    const reply = (
      await request(h.app)
        .put('/v1/services/orders/instances/i-1')
        .set('Authorization', `Bearer ${h.admin}`)
        .send(registration())
    ).body as LeaseReply;
    expect(Object.keys(doc.components.schemas.Instance?.properties ?? {}).sort()).toEqual(
      Object.keys(reply.instance).sort(),
    );
    expect(Object.keys(doc.components.schemas.LeaseReply?.properties ?? {}).sort()).toEqual(
      Object.keys(reply).sort(),
    );
  });

  it('has public probes and Prometheus metrics', async () => {
    expect((await request(h.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(h.app).get('/readyz')).body).toMatchObject({ status: 'ready' });
    const metrics = await request(h.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('registry_http_requests_total');
    expect(metrics.text).toContain('registry_registrations_total');
  });
});

describe('registry: startRegistry and graceful shutdown', () => {
  let registry: RunningRegistry | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  it('listens on a free port, registers over HTTP, and closes SSE streams on close()', async () => {
    registry = await startRegistry({
      port: 0,
      host: '127.0.0.1',
      env: {
        REDIS_URL: sharedRedisUrl(),
        REGISTRY_JWT_SECRET: TEST_SECRET,
        LOG_LEVEL: 'silent',
        REGISTRY_KEY_PREFIX: uniquePrefix('server'),
      },
    });
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = registry.mintToken({ role: 'service', service: 'orders' });
    const res = await fetch(`${registry.url}/v1/services/orders/instances/i-1`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(registration()),
    });
    expect(res.status).toBe(201);
    const reader = new SseReader(`${registry.url}/v1/events`, {
      Authorization: `Bearer ${registry.adminToken ?? ''}`,
    });
    await waitFor(() => reader.status === 200, { what: 'the event stream' });
    const closing = registry.close();
    await waitFor(() => reader.ended, { what: 'the stream to end on shutdown' });
    await closing;
    expect(registry.redis.status).toBe('end');
    await expect(fetch(`${registry.url}/healthz`)).rejects.toThrow();
    await reader.close();
  });

  it('keeps an idle event stream open past the Redis command timeout, with keep-alive comments', async () => {
    registry = await startRegistry({
      port: 0,
      host: '127.0.0.1',
      env: {
        REDIS_URL: sharedRedisUrl(),
        REGISTRY_JWT_SECRET: TEST_SECRET,
        LOG_LEVEL: 'silent',
        REGISTRY_KEY_PREFIX: uniquePrefix('idle'),
        REDIS_COMMAND_TIMEOUT_MS: '100',
        REGISTRY_SSE_KEEPALIVE_MS: '300',
      },
    });
    const reader = new SseReader(`${registry.url}/v1/events`, {
      Authorization: `Bearer ${registry.adminToken ?? ''}`,
    });
    try {
      await waitFor(() => reader.comments >= 3, { what: 'three keep-alive comments' });
      expect(reader.ended).toBe(false);
      const token = registry.mintToken({ role: 'service', service: 'orders' });
      await fetch(`${registry.url}/v1/services/orders/instances/i-1`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(registration()),
      });
      await waitFor(() => reader.events.some((m) => m.event === 'instance.registered'), {
        what: 'the event on the idle stream',
      });
    } finally {
      await reader.close();
    }
  });

  it('verifies RS256 tokens with the public key and refuses HS256 tokens signed with it', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    registry = await startRegistry({
      port: 0,
      host: '127.0.0.1',
      reaper: false,
      env: {
        REDIS_URL: sharedRedisUrl(),
        REGISTRY_JWT_PUBLIC_KEY: publicKey,
        REGISTRY_JWT_PRIVATE_KEY: privateKey,
        LOG_LEVEL: 'silent',
        REGISTRY_KEY_PREFIX: uniquePrefix('rs256'),
      },
    });
    const ok = await fetch(`${registry.url}/v1/state`, {
      headers: { Authorization: `Bearer ${registry.adminToken ?? ''}` },
    });
    expect(ok.status).toBe(200);
    const confused = jwt.sign({ role: 'admin' }, publicKey, {
      algorithm: 'HS256',
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      expiresIn: 60,
    });
    const refused = await fetch(`${registry.url}/v1/state`, {
      headers: { Authorization: `Bearer ${confused}` },
    });
    expect(refused.status).toBe(401);
  });

  it('serves the UI folder at /ui without a token, while the API behind it needs one', async () => {
    const uiDir = mkdtempSync(join(tmpdir(), 'kr-ui-'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>registry</title>');
    try {
      registry = await startRegistry({
        port: 0,
        host: '127.0.0.1',
        reaper: false,
        env: {
          REDIS_URL: sharedRedisUrl(),
          REGISTRY_JWT_SECRET: TEST_SECRET,
          LOG_LEVEL: 'silent',
          REGISTRY_KEY_PREFIX: uniquePrefix('ui'),
          REGISTRY_UI_DIR: uiDir,
        },
      });
      const page = await fetch(`${registry.url}/ui/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>registry</title>');
      expect((await fetch(`${registry.url}/ui/missing.js`)).status).toBe(404);
      expect((await fetch(`${registry.url}/v1/services`)).status).toBe(401);
    } finally {
      rmSync(uiDir, { recursive: true, force: true });
    }
  });

  it('starts without any JWT secret (ephemeral) and mints a working admin token', async () => {
    registry = await startRegistry({
      port: 0,
      host: '127.0.0.1',
      env: {
        REDIS_URL: sharedRedisUrl(),
        LOG_LEVEL: 'silent',
        REGISTRY_KEY_PREFIX: uniquePrefix('ephemeral'),
      },
    });
    expect(registry.config.jwt.ephemeral).toBe(true);
    const res = await fetch(`${registry.url}/v1/state`, {
      headers: { Authorization: `Bearer ${registry.adminToken ?? ''}` },
    });
    expect(res.status).toBe(200);
  });
});
