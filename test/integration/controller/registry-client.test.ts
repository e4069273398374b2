/**
 * The controller's registry client and event follower against a scripted registry: the
 * registry's code is kept as a field, 503/429 are retried after the registry's Retry-After,
 * and the event stream reconnects no sooner than Retry-After asks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { RegistryClient } from '@kong-registry/kong-plugin';
import { followRegistryEvents } from '../../../kong-plugin/src/registry/events';
import { waitFor } from '../../helpers/wait';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe("the controller's registry client", () => {
  let server: Server;
  let url: string;
  let handlers: Handler[];
  let seen: { path: string | undefined; at: number; lastEventId: unknown }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url, at: Date.now(), lastEventId: req.headers['last-event-id'] });
      const handle = handlers.shift();
      if (handle) handle(req, res);
      else res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    handlers = [];
    seen = [];
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
    (_req, res) =>
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body));
  const state = { revision: 7, services: [], consumers: [], tombstones: [] };

  it("retries a 503 after the registry's Retry-After, then reads the state", async () => {
    handlers = [
      json(
        503,
        { code: 'REG_ERR_REDIS_UNAVAILABLE', message: 'Redis is unavailable: retry later' },
        { 'retry-after': '1' },
      ),
      json(200, state),
    ];
    const client = new RegistryClient({ url, token: 'admin' });
    await expect(client.getState()).resolves.toMatchObject({ revision: 7 });
    expect(seen).toHaveLength(2);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    await client.close();
  });

  it("keeps the registry's code as a field, not in the message, and never retries a 4xx", async () => {
    handlers = [json(403, { code: 'REG_ERR_FORBIDDEN', message: 'admin token required' })];
    const client = new RegistryClient({ url, token: 'service' });
    const failure = await client.getState().then(
      () => undefined,
      (err: unknown) => err as Error & Record<string, unknown>,
    );
    expect(failure).toMatchObject({
      code: 'KCP_ERR_REGISTRY',
      statusCode: 403,
      registryCode: 'REG_ERR_FORBIDDEN',
      message: 'GET /v1/state -> 403: admin token required',
    });
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it('follows the event stream, and reconnects after the wait Retry-After asks for', async () => {
    handlers = [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('id: 1-0\nevent: instance.registered\ndata: {"type":"instance.registered"}\n\n');
      },
      json(503, { code: 'REG_ERR_SHUTTING_DOWN', message: 'bye' }, { 'retry-after': '2' }),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('id: 2-0\nevent: instance.removed\ndata: {"type":"instance.removed"}\n\n');
      },
    ];
    const client = new RegistryClient({ url, token: 'admin' });
    const events: string[] = [];
    let resyncs = 0;
    const follower = followRegistryEvents(
      client,
      {
        onEvent: (event) => events.push(event.type),
        onResync: () => (resyncs += 1),
      },
      pino({ level: 'silent' }),
    );
    await waitFor(() => events.length === 2, { timeoutMs: 10_000, what: 'both events' });
    follower.stop();
    await client.close();
    expect(events).toEqual(['instance.registered', 'instance.removed']);
    expect(resyncs).toBe(2);
    expect(seen.map((s) => s.lastEventId)).toEqual([undefined, '1-0', '1-0']);
    // The 503 asked for 2 s; the follower's own first wait would have been 0.5 s.
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBeGreaterThanOrEqual(1_950);
  });
});
