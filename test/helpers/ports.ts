import { createServer } from 'node:net';

/**
 * A TCP port on loopback that nothing listens on right now (tests never assume fixed ports). The
 * bench uses it too (bench/tsconfig.json compiles test/helpers with it).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe server'));
      });
    });
  });
}
