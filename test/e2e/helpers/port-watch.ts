/**
 * A stand-in on a dead instance's port that counts what still arrives there: Kong's health probes
 * (`GET /health`) and proxied client requests (anything else). Every connection is closed without
 * an answer, so to Kong the target stays down; the count proves, at the instance's own address,
 * that no client request was sent there.
 */
import { createServer, type Server } from 'node:net';

/** What reached the port since the watch started. */
export interface PortWatch {
  probes: number;
  proxied: number;
  close(): Promise<void>;
}

/** Listens on `host:port` (the killed instance's) and counts; resolves once listening. */
export async function watchPort(host: string, port: number): Promise<PortWatch> {
  const watch = { probes: 0, proxied: 0 } as PortWatch;
  const server: Server = createServer((socket) => {
    socket.once('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('GET /health')) watch.probes += 1;
      else watch.proxied += 1;
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  watch.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  return watch;
}
