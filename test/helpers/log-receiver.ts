/**
 * A stand-in for a log collector's HTTP input (Logstash's `http` input, Kong's http-log target):
 * it records every request it receives (method, path, headers, body) and answers 200, or the
 * statuses queued in `failNext` first.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedLog {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A running receiver on 127.0.0.1. */
export interface LogReceiver {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  received: ReceivedLog[];
  /** Statuses to answer before answering 200 again, one per request. */
  failNext: number[];
  /** Every JSON body received so far, arrays (batches) flattened. */
  entries(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export async function startLogReceiver(): Promise<LogReceiver> {
  const received: ReceivedLog[] = [];
  const failNext: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(failNext.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext,
    entries: () =>
      received.flatMap((r) => {
        const parsed = JSON.parse(r.body) as unknown;
        return (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
