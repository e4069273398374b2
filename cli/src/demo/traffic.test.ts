import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeCount, failureCount, sendRequests, startClientLoop } from './traffic';

let server: Server;
let url: string;
let served = 0;

beforeAll(async () => {
  // Answers like an example service: alternating instance ids, every fifth request a 503.
  server = createServer((_req, res) => {
    served += 1;
    if (served % 5 === 0) return res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ instanceId: served % 2 === 0 ? 'a' : 'b' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  served = 0;
});

describe('sendRequests', () => {
  it('counts 200s by instanceId and everything else by status', async () => {
    const count = await sendRequests(url, {}, 10, 1);
    expect(count.total).toBe(10);
    expect(count.failures).toEqual({ '503': 2 });
    expect(failureCount(count)).toBe(2);
    expect((count.byInstance.a ?? 0) + (count.byInstance.b ?? 0)).toBe(8);
    expect(describeCount(count)).toMatch(/^a: \d+, b: \d+; failed 2/);
  });

  it('counts network errors as failures', async () => {
    const count = await sendRequests('http://127.0.0.1:1/', {}, 2, 2);
    expect(count.failures).toEqual({ error: 2 });
  });
});

describe('startClientLoop', () => {
  it('keeps sending until stopped', async () => {
    const loop = startClientLoop(url, {}, 2);
    while (loop.count.total < 6) await new Promise((resolve) => setImmediate(resolve));
    const count = await loop.stop();
    expect(count.total).toBeGreaterThanOrEqual(6);
  });
});
