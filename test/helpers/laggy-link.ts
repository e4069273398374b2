/**
 * A TCP link in front of a Redis master that holds back its replication stream, as a slow or
 * remote replica link does, while every other client reaches the master at once; and that can be
 * cut as when the master's host dies. The reliability suites put it between a master and its
 * replicas (test/reliability/support/sentinel.ts); the bench measures WAIT behind it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports';

/** A TCP link in front of a master that holds its replication stream back (see the file comment). */
export interface LaggyLink {
  port: number;
  /** Bytes of replication stream the cut dropped. */
  dropped: number;
  /** The master's host dies: every connection closed at once, whatever was held is dropped. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * Listens on a free port and forwards every connection to `targetPort`. A connection on which
 * the client sends `REPLCONF` (the replica's handshake) is the replication link: from then on,
 * data in both directions is delivered `lagMs` after it arrived, in order.
 */
export async function startLaggyLink(targetPort: number, lagMs: number): Promise<LaggyLink> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const handle: LaggyLink = {
    port,
    dropped: 0,
    cut: () => undefined,
    close: async () => undefined,
  };
  const pending = new Map<Socket, number>();
  let cutDone = false;

  /** Writes `data` to `to` now, or `lagMs` later on the replication link. */
  const forward = (to: Socket, data: Buffer, lagged: () => boolean): void => {
    if (!lagged()) {
      to.write(data);
      return;
    }
    pending.set(to, (pending.get(to) ?? 0) + data.length);
    const timer = setTimeout(() => {
      timers.delete(timer);
      pending.set(to, (pending.get(to) ?? 0) - data.length);
      if (!to.destroyed) to.write(data);
    }, lagMs);
    timers.add(timer);
  };

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    // As Redis does (TCP_NODELAY): Nagle's algorithm would add delays of its own.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    let replication = false;
    const isReplication = () => replication;
    client.on('data', (data: Buffer) => {
      if (!replication && data.toString('latin1').toUpperCase().includes('REPLCONF'))
        replication = true;
      forward(upstream, data, isReplication);
    });
    upstream.on('data', (data: Buffer) => forward(client, data, isReplication));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  handle.cut = () => {
    if (cutDone) return;
    cutDone = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const bytes of pending.values()) handle.dropped += Math.max(0, bytes);
    pending.clear();
    server.close();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  handle.close = async () => {
    handle.cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return handle;
}
