/**
 * One request traced end to end, as docs/observability.md walks it: the controller programs
 * Kong's http-log (KONG_LOG_PLUGIN) towards a log collector's HTTP input, a client calls the
 * orders example through Kong, and the request is found by one id in three places: the
 * `X-Kong-Request-Id` the client got, `request.id` in the entry Kong's http-log posted, and
 * `kongRequestId` on the service's own log line (Kong sent it upstream as X-Kong-Request-Id).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProject } from '../../helpers/build';
import { startLogReceiver, type LogReceiver } from '../../helpers/log-receiver';
import { waitFor } from '../../helpers/wait';
import { startStack, type Stack } from '../controller/harness';
import { startExample, type ExampleProcess } from '../examples/child-process';

jest.setTimeout(90_000);

const ROOT = join(__dirname, '..', '..', '..');
const ORDERS = join(ROOT, 'examples', 'orders', 'dist', 'main.js');

/**
 * The fields of Kong's entry the documented Logstash pipeline reads (docs/observability.md):
 * the sources it copies, matches and removes, as paths.
 */
function pipelineFields(): string[][] {
  const doc = readFileSync(join(ROOT, 'docs', 'observability.md'), 'utf8');
  const pipeline = /```conf\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const refs = [...pipeline.matchAll(/"((?:\[[a-z_]+\])+)"/g)].map((m) => m[1]!);
  const matched = [...pipeline.matchAll(/match => \["([a-z_]+)"/g)].map((m) => `[${m[1]!}]`);
  return [...refs, ...matched]
    .filter((ref) => !ref.startsWith('[kong]'))
    .map((ref) => ref.slice(1, -1).split(']['));
}

let receiver: LogReceiver;
let stack: Stack;
let orders: ExampleProcess;

beforeAll(async () => {
  buildProject('examples');
  receiver = await startLogReceiver();
  stack = await startStack({ env: { KONG_LOG_PLUGIN: `http-log:${receiver.url}/kong` } });
  orders = await startExample(process.execPath, [ORDERS], {
    PORT: '0',
    HOST: '127.0.0.1',
    ADVERTISE_HOST: '127.0.0.1',
    REGISTRY_URL: stack.registry.url,
    REGISTRY_TOKEN: stack.registry.mintToken({ role: 'service', service: 'orders' }),
    INSTANCE_ID: 'orders-1',
    DRAIN_HOLD_SECONDS: '1',
  });
  expect((await stack.api('POST', '/v1/consumers', { username: 'alice' })).status).toBe(201);
  const credential = await stack.api('POST', '/v1/consumers/alice/credentials', {
    type: 'key-auth',
    key: 'alice-key-0123456789',
  });
  expect(credential.status).toBe(201);
  await stack.controllers[0]!.start();
});

afterAll(async () => {
  await orders?.stop('SIGKILL');
  await stack?.close();
  await receiver?.close();
});

it("finds one request by its id in Kong's log entry and in the service's log line", async () => {
  // Kong takes the new route up at its next router rebuild (kong-sim runs Kong's default, 5 s).
  const response = await waitFor(
    async () => {
      const res = await fetch(`${stack.kong.proxy}/orders/42?expand=items`, {
        headers: { apikey: 'alice-key-0123456789' },
      });
      return res.status === 200 && res;
    },
    { what: 'the orders route through Kong', timeoutMs: 30_000, intervalMs: 250 },
  );
  const id = response.headers.get('x-kong-request-id');
  expect(id).toMatch(/^[0-9a-f]{32}$/);

  // 1. Kong's log entry, as the collector received it.
  const entry = await waitFor(
    () => receiver.entries().find((e) => (e.request as { id?: string } | undefined)?.id === id),
    {
      what: "Kong's log entry of the request",
    },
  );
  expect(entry).toMatchObject({
    request: {
      id,
      method: 'GET',
      uri: '/orders/42?expand=items',
      // key-auth hides the key (hide_credentials), so it never reaches the log either.
      headers: { 'x-consumer-username': 'alice' },
    },
    upstream_uri: '/42?expand=items',
    response: { status: 200 },
    route: { name: 'orders' },
    service: { name: 'orders' },
    consumer: { username: 'alice' },
    source: 'upstream',
  });
  expect((entry.request as Record<string, unknown>).headers).not.toHaveProperty('apikey');

  // The documented Logstash pipeline reads fields the entry has.
  const fields = pipelineFields();
  expect(fields.length).toBeGreaterThan(8);
  for (const path of fields) {
    const value = path.reduce<unknown>(
      (at, key) => (at as Record<string, unknown> | undefined)?.[key],
      entry,
    );
    expect([path.join('.'), value]).toEqual([path.join('.'), expect.anything()]);
  }

  // 2. The service's own line, with the same id.
  const line = await waitFor(
    () =>
      orders
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"msg":"request"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.kongRequestId === id),
    { what: "the service's log line of the request" },
  );
  expect(line).toMatchObject({
    service: 'orders',
    method: 'GET',
    path: '/42',
    status: 200,
    consumer: 'alice',
    kongRequestId: id,
  });
});
