/**
 * Background load for the fault suites: echo services (real HTTP servers), a hung service that
 * accepts TCP and never answers, a proxied-request loop through the gateway and a registration
 * churn loop against the registry. Each loop counts what succeeded and what failed.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** An HTTP service instance: answers every path with 200 and its id. */
export interface EchoServer {
  port: number;
  id: string;
  hits: number;
  close(): Promise<void>;
}

/** Starts an echo server on a free loopback port. */
export async function startEcho(id: string): Promise<EchoServer> {
  const handle: EchoServer = { port: 0, id, hits: 0, close: () => Promise.resolve() };
  const server: Server = createHttpServer((req, res) => {
    if (!req.url?.startsWith('/health')) handle.hits += 1;
    res.setHeader('content-type', 'text/plain');
    res.end(id);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.port = (server.address() as AddressInfo).port;
  handle.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}

/** A service that accepts connections and never answers (a hung process). */
export async function startHung(): Promise<{
  port: number;
  connections: number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const handle = { port: 0, connections: 0, close: () => Promise.resolve() };
  const server: TcpServer = createTcpServer((socket) => {
    handle.connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.port = (server.address() as AddressInfo).port;
  handle.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return handle;
}

/** Counts of one loop. */
export interface LoopStats {
  ok: number;
  failed: number;
  /** Status (or error code) -> count, for the failures. */
  failures: Record<string, number>;
}

/** A loop that runs `step` back to back (with `pauseMs` between) until stopped. */
export interface Loop {
  stats: LoopStats;
  stop(): Promise<void>;
}

/** Runs `step` repeatedly; `step` returns true for success or a failure label. */
export function runLoop(step: () => Promise<true | string>, pauseMs = 10): Loop {
  const stats: LoopStats = { ok: 0, failed: 0, failures: {} };
  let running = true;
  const done = (async () => {
    while (running) {
      let outcome: true | string;
      try {
        outcome = await step();
      } catch (err) {
        outcome = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      }
      if (outcome === true) stats.ok += 1;
      else {
        stats.failed += 1;
        stats.failures[outcome] = (stats.failures[outcome] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    stats,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Proxied GETs through the gateway at `url`: 200 is success, anything else a failure. */
export function proxyLoad(url: string, pauseMs = 10): Loop {
  return runLoop(async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.text();
    return res.status === 200 ? true : String(res.status);
  }, pauseMs);
}
