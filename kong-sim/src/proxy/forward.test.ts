import http, { type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { AgentPool, sendAttempt, UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS, type Peer } from './forward';

/** Resolves once `check` holds, polling each macrotask. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

async function upstream(): Promise<Server> {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const peerOf = (server: Server): Peer => ({
  host: '127.0.0.1',
  port: (server.address() as AddressInfo).port,
  protocol: 'http',
  targetId: undefined,
});

/** One keep-alive GET through the pool, read to the end. */
async function get(pool: AgentPool, peer: Peer): Promise<number> {
  const { outcome } = sendAttempt(
    {
      peer,
      method: 'GET',
      path: '/',
      headers: { host: `${peer.host}:${peer.port}` },
      body: Buffer.alloc(0),
      connectTimeoutMs: 5000,
      readTimeoutMs: 5000,
      tlsVerify: false,
    },
    pool,
  );
  const result = await outcome;
  if (result.kind !== 'response') throw new Error(`no response: ${result.kind}`);
  result.response.body.resume();
  await once(result.response.body, 'end');
  return result.response.status;
}

const idleSockets = (agent: http.Agent): Socket[] =>
  Object.values(agent.freeSockets).flatMap((sockets) => sockets ?? []);

const stop = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

describe('AgentPool (one keep-alive pool per upstream address, K:kong/init.lua `balancer`)', () => {
  it('keeps nothing for addresses whose connections are gone: replaced targets leave no agent', async () => {
    const pool = new AgentPool();
    const kept = await upstream();
    const replaced = await Promise.all(Array.from({ length: 20 }, () => upstream()));
    try {
      for (const server of [kept, ...replaced]) expect(await get(pool, peerOf(server))).toBe(200);
      expect(pool.agentCount).toBe(21);

      // The instances behind 20 targets stop (their targets replaced by others on new ports).
      await Promise.all(replaced.map(stop));
      await until(() => pool.agentCount === 1);
      // The address still in use keeps its agent and its pooled connection.
      const agent = pool.agentFor(peerOf(kept), false);
      expect(idleSockets(agent)).toHaveLength(1);
      expect(pool.agentCount).toBe(1);
      expect(await get(pool, peerOf(kept))).toBe(200);
    } finally {
      pool.destroy();
      await Promise.all([kept, ...replaced].map(stop));
    }
  });

  it("gives idle pooled connections Kong's upstream_keepalive_idle_timeout (60 s)", async () => {
    const pool = new AgentPool();
    const server = await upstream();
    try {
      await get(pool, peerOf(server));
      const agent = pool.agentFor(peerOf(server), false);
      await until(() => idleSockets(agent).length === 1);
      expect(idleSockets(agent)[0]!.timeout).toBe(UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS);
      expect(UPSTREAM_KEEPALIVE_IDLE_TIMEOUT_MS).toBe(60_000);
    } finally {
      pool.destroy();
      await stop(server);
    }
  });

  it('closes a connection idle past the timeout, and then forgets the address, with the upstream still up', async () => {
    const pool = new AgentPool(20);
    const server = await upstream();
    try {
      await get(pool, peerOf(server));
      expect(pool.agentCount).toBe(1);
      await until(() => pool.agentCount === 0);
      // A later request to the address opens a new pool.
      expect(await get(pool, peerOf(server))).toBe(200);
      expect(pool.agentCount).toBe(1);
    } finally {
      pool.destroy();
      await stop(server);
    }
  });
});
