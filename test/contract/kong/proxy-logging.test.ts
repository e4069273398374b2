/**
 * The log phase: Kong's request id from the client to the upstream and into the log entry, and
 * what http-log and file-log emit (kong-sim/KONG_BEHAVIOUR.md#log-phase): one JSON entry per
 * request with the field names of Kong 3.9.3's serializer (kong/pdk/log.lua `serialize`), sent
 * as kong/plugins/http-log/handler.lua sends it through kong/tools/queue.lua.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLogReceiver, type LogReceiver } from '../../helpers/log-receiver';
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

type Entry = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let kong: KongTarget;
let echo: EchoUpstream;
let receiver: LogReceiver;

beforeAll(async () => {
  kong = await startKongTarget();
  echo = await startEchoUpstream('logged');
  receiver = await startLogReceiver();
});
afterAll(async () => {
  await receiver.close();
  await echo.kill();
  await kong.close();
});

/** A service on an upstream with one target (the echo), a route on a fresh prefix. */
async function loggedService(plugins: Record<string, unknown>[] = []) {
  const name = uniqueName('svc');
  const prefix = `/${uniqueName('p')}`;
  await adminJson(kong, 'POST', '/upstreams', { name: `${name}.up` });
  await adminJson(kong, 'POST', `/upstreams/${name}.up/targets`, { target: echo.address });
  const service = await adminJson<{ id: string }>(kong, 'POST', '/services', {
    name,
    host: `${name}.up`,
  });
  const route = await adminJson<{ id: string }>(kong, 'POST', `/services/${name}/routes`, {
    name: `${name}-route`,
    paths: [prefix],
  });
  for (const plugin of plugins) await adminJson(kong, 'POST', `/services/${name}/plugins`, plugin);
  return { name, prefix, serviceId: service.id, routeId: route.id };
}

/** The receiver's entries for one request id. */
const entriesFor = (id: string | null): Entry[] =>
  receiver.entries().filter((e: Entry) => e.request?.id === id);

const httpLog = (path: string, config: Record<string, unknown> = {}) => ({
  name: 'http-log',
  config: { http_endpoint: `${receiver.url}${path}`, ...config },
});

describe('request id', () => {
  it('passes X-Kong-Request-Id upstream: the response and the log entry carry the same id', async () => {
    const { prefix } = await loggedService([httpLog('/id')]);
    const res = await proxyCall(kong, `${prefix}/x`, {
      headers: { 'X-Kong-Request-Id': 'forged-by-the-client' },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-kong-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((res.json().headers as Record<string, string>)['x-kong-request-id']).toBe(id);
    const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id), {
      what: 'the log entry of the request',
    });
    expect(entry?.request.id).toBe(id);
  });
});

describe('http-log', () => {
  it("posts one JSON entry per request with Kong's field names", async () => {
    const { prefix, serviceId, routeId, name } = await loggedService([httpLog('/kong?ignored=1')]);
    const res = await proxyCall(kong, `${prefix}/orders/42?x=1&x=2&flag`, {
      headers: { Authorization: 'Bearer secret', 'X-Team': 'blue' },
    });
    const id = res.headers.get('x-kong-request-id');
    const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id), {
      what: 'the log entry',
    });
    // The query of http_endpoint is not sent; the body is the entry alone.
    const sent = receiver.received.find((r) => r.body.includes(String(id)))!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/kong');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(entry).toMatchObject({
      request: {
        id,
        method: 'GET',
        uri: `${prefix}/orders/42?x=1&x=2&flag`,
        url: expect.stringMatching(
          new RegExp(`^http://127\\.0\\.0\\.1:\\d+${prefix}/orders/42\\?`),
        ),
        querystring: { x: ['1', '2'], flag: true },
        headers: { authorization: 'REDACTED', 'x-team': 'blue' },
        size: expect.any(Number),
      },
      upstream_uri: '/orders/42?x=1&x=2&flag',
      upstream_status: '200',
      response: {
        status: 200,
        headers: { 'x-kong-request-id': id, via: '1.1 kong/3.9.3' },
        size: expect.any(Number),
      },
      latencies: {
        kong: expect.any(Number),
        proxy: expect.any(Number),
        request: expect.any(Number),
        receive: expect.any(Number),
      },
      tries: [
        {
          ip: '127.0.0.1',
          port: echo.port,
          balancer_start: expect.any(Number),
          balancer_latency: expect.any(Number),
        },
      ],
      route: { id: routeId, name: `${name}-route`, ws_id: expect.any(String) },
      service: { id: serviceId, name, ws_id: expect.any(String) },
      client_ip: '127.0.0.1',
      started_at: expect.any(Number),
      source: 'upstream',
      workspace: expect.any(String),
      workspace_name: 'default',
    });
    expect(entry?.consumer).toBeUndefined();
    expect(entry?.latencies.proxy).toBe(Number(res.headers.get('x-kong-upstream-latency')));
    expect(entry?.latencies.kong).toBe(Number(res.headers.get('x-kong-proxy-latency')));
    expect(entry?.request.size).toBeGreaterThan(50);
    expect(entry?.response.size).toBeGreaterThan(res.text.length);
  });

  it('logs what Kong answered itself: a 401 with the route and service, source kong, no upstream', async () => {
    const { prefix, serviceId } = await loggedService([{ name: 'key-auth' }, httpLog('/auth')]);
    const res = await proxyCall(kong, `${prefix}/x`);
    expect(res.status).toBe(401);
    const id = res.headers.get('x-kong-request-id');
    const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id));
    expect(entry).toMatchObject({
      response: { status: 401 },
      service: { id: serviceId },
      upstream_uri: '/x',
      upstream_status: '',
      tries: [],
      source: 'kong',
      latencies: { proxy: -1, receive: 0 },
    });
    expect(entry?.latencies.kong).toBe(Number(res.headers.get('x-kong-response-latency')));
  });

  it('names the consumer and the credential of an authenticated request', async () => {
    const { prefix } = await loggedService([{ name: 'key-auth' }, httpLog('/consumer')]);
    const username = uniqueName('alice');
    const consumer = await adminJson<{ id: string }>(kong, 'POST', '/consumers', { username });
    const key = uniqueName('key');
    const credential = await adminJson<{ id: string }>(
      kong,
      'POST',
      `/consumers/${username}/key-auth`,
      { key },
    );
    const res = await proxyCall(kong, `${prefix}/me`, { headers: { apikey: key } });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-kong-request-id');
    const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id));
    expect(entry?.consumer).toMatchObject({ id: consumer.id, username });
    expect(entry?.authenticated_entity).toEqual({ id: credential.id, consumer_id: consumer.id });
  });

  it('logs the request headers as plugins left them: no hidden key, the consumer headers added', async () => {
    const { prefix } = await loggedService([
      { name: 'key-auth', config: { hide_credentials: true } },
      httpLog('/hidden'),
    ]);
    const username = uniqueName('bob');
    await adminJson(kong, 'POST', '/consumers', { username });
    const key = uniqueName('key');
    await adminJson(kong, 'POST', `/consumers/${username}/key-auth`, { key });
    const res = await proxyCall(kong, `${prefix}/x?apikey=${key}&page=2`, {
      headers: { apikey: key },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-kong-request-id');
    const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id));
    expect(entry?.request.headers).not.toHaveProperty('apikey');
    expect(entry?.request.headers).toMatchObject({ 'x-consumer-username': username });
    expect(entry?.request.querystring).toEqual({ page: '2' });
    // The URI is the one the client sent.
    expect(entry?.request.uri).toBe(`${prefix}/x?apikey=${key}&page=2`);
  });

  it('a global http-log also logs requests no route matched, without route or service', async () => {
    const global = await adminJson<{ id: string }>(kong, 'POST', '/plugins', httpLog('/global'));
    try {
      const res = await proxyCall(kong, `/${uniqueName('nowhere')}`);
      expect(res.status).toBe(404);
      const id = res.headers.get('x-kong-request-id');
      const [entry] = await waitFor(() => entriesFor(id).length > 0 && entriesFor(id));
      expect(entry).toMatchObject({ response: { status: 404 }, upstream_uri: '', source: 'kong' });
      expect(entry).not.toHaveProperty('route');
      expect(entry).not.toHaveProperty('service');
      expect(entry).not.toHaveProperty('tries');
    } finally {
      await adminJson(kong, 'DELETE', `/plugins/${global.id}`);
    }
  });

  it("a service's http-log logs only that service's requests", async () => {
    const logged = await loggedService([httpLog('/scoped')]);
    const quiet = await loggedService();
    const other = await proxyCall(kong, `${quiet.prefix}/x`);
    const mine = await proxyCall(kong, `${logged.prefix}/x`);
    await waitFor(() => entriesFor(mine.headers.get('x-kong-request-id')).length > 0);
    expect(entriesFor(other.headers.get('x-kong-request-id'))).toEqual([]);
  });

  it('sends batches as a JSON array with queue.max_batch_size', async () => {
    const { prefix } = await loggedService([
      httpLog('/batch', { queue: { max_batch_size: 2, max_coalescing_delay: 5 } }),
    ]);
    const ids: (string | null)[] = [];
    for (let i = 0; i < 2; i += 1)
      ids.push((await proxyCall(kong, `${prefix}/${i}`)).headers.get('x-kong-request-id'));
    const batch = await waitFor(() =>
      receiver.received.find((r) => r.url === '/batch' && r.body.startsWith('[')),
    );
    expect((JSON.parse(batch.body) as Entry[]).map((e) => e.request.id)).toEqual(ids);
  });

  it('sends a batch the receiver refused again', async () => {
    const { prefix } = await loggedService([httpLog('/retry')]);
    receiver.failNext.push(500);
    const id = (await proxyCall(kong, `${prefix}/x`)).headers.get('x-kong-request-id');
    await waitFor(() => entriesFor(id).length === 2, { what: 'the entry sent twice' });
    expect(receiver.received.filter((r) => r.url === '/retry')).toHaveLength(2);
  });
});

describe('file-log', () => {
  it('appends one JSON line per request to its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kong-file-log-'));
    const path = join(dir, 'access.json');
    try {
      const { prefix } = await loggedService([{ name: 'file-log', config: { path } }]);
      const first = await proxyCall(kong, `${prefix}/a`);
      const second = await proxyCall(kong, `${prefix}/b`);
      const lines = await waitFor(() => {
        const text = (() => {
          try {
            return readFileSync(path, 'utf8');
          } catch {
            return '';
          }
        })();
        const all = text.split('\n').filter(Boolean);
        return all.length === 2 && all;
      });
      expect(lines.map((l) => (JSON.parse(l) as Entry).request.id)).toEqual([
        first.headers.get('x-kong-request-id'),
        second.headers.get('x-kong-request-id'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
