/**
 * A bare node:http server in front of the hot lane, for testing it alone: what the lane
 * declines is answered with DECLINED, so a test can tell "left to Express" from any real reply.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyToken, type JwtKeys, type VerifiedTokenCache } from '@kong-registry/registry';

/** The status a request gets when the hot lane declined it (no real route answers 599). */
export const DECLINED = 599;

/** A listening hot-lane server: its base URL and how to stop it. */
export interface FastPathServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `fastPath` on a free loopback port. */
export async function serveFastPath(
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<FastPathServer> {
  const server = createServer((req, res) => {
    if (fastPath(req, res)) return;
    req.resume();
    res.statusCode = DECLINED;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Puts a token in the cache as `authenticate` does after verifying it; returns the token. */
export function rememberToken(tokens: VerifiedTokenCache, keys: JwtKeys, token: string): string {
  tokens.set(token, verifyToken(keys, token));
  return token;
}
