/**
 * gRPC calls through the proxy for the demo, the tour and the e2e suite: they run the greeter
 * example's own client (examples/greeter/dist/client.js), the command the banner prints, so what
 * the demo checks is exactly what a user pastes.
 */
import { spawn } from 'node:child_process';
import { ENTRY_POINTS } from './paths';
import type { TrafficCount } from './traffic';

/** The client's command line for `proxyUrl` (http://host:port), minus `node`. */
export function greeterClientArgs(proxyUrl: string, apiKey: string, extra: string[]): string[] {
  return [
    ENTRY_POINTS.greeterClient,
    '--target',
    new URL(proxyUrl).host,
    '--apikey',
    apiKey,
    ...extra,
  ];
}

/** The same, as a line to paste (`$KEY` for the key). */
export function greeterClientCommand(proxyUrl: string, extra: string[]): string {
  return [
    'node',
    'examples/greeter/dist/client.js',
    '--target',
    new URL(proxyUrl).host,
    '--apikey',
    '$KEY',
    ...extra,
  ].join(' ');
}

/**
 * Makes `calls` SayHello calls one after the other with the example client; counts the replies
 * by the instance that answered and the failures by gRPC status name.
 */
export function greet(proxyUrl: string, apiKey: string, calls = 1): Promise<TrafficCount> {
  const child = spawn(
    process.execPath,
    greeterClientArgs(proxyUrl, apiKey, ['--count', String(calls)]),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const count: TrafficCount = { byInstance: {}, failures: {}, total: calls };
      for (const line of out.split('\n').filter(Boolean)) {
        const id = String((JSON.parse(line) as { instanceId?: unknown }).instanceId ?? '?');
        count.byInstance[id] = (count.byInstance[id] ?? 0) + 1;
      }
      for (const line of err.split('\n').filter(Boolean)) {
        let status = 'error';
        try {
          status = String((JSON.parse(line) as { status?: unknown }).status ?? 'error');
        } catch {
          // not one of the client's status lines (a crash): counted as an error
        }
        count.failures[status] = (count.failures[status] ?? 0) + 1;
      }
      resolve(count);
    });
  });
}
