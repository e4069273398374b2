/**
 * The processes of a soak, each its own OS process so that its memory and CPU can be read from
 * /proc: redis-server, registry replicas and the controller as the bench starts them
 * (bench/src/lib/services.ts, the built CLI), and kong-sim through ./kong-sim-node.mjs.
 */
import { join } from 'node:path';
import { waitFor } from '../../../helpers/wait';
import { startProcess, type Proc } from '../../../../bench/src/lib/procs';

/** What a kong-sim process has served on its Admin API since it started. */
export interface KongCounts {
  requests: number;
  writes: number;
  targetReads: number;
  healthReads: number;
  configPushes: number;
  /** kong-sim's warn and error lines by message ('upstream connect failed'...). */
  warnings: Record<string, number>;
}

/** A kong-sim process. */
export interface KongNodeProcess extends Proc {
  admin: string;
  proxy: string;
  /** Admin API request counts since the process started. */
  counts(): Promise<KongCounts>;
}

/** Starts kong-sim (built) as a child process on free loopback ports, with Kong's defaults. */
export async function startKongNodeProcess(mode: 'db' | 'dbless'): Promise<KongNodeProcess> {
  const proc = startProcess(
    'kong-sim',
    process.execPath,
    [join(__dirname, 'kong-sim-node.mjs'), '--mode', mode],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const ready = await waitFor(
    () => {
      const line = proc
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"admin"'));
      return line ? (JSON.parse(line) as { admin: string; proxy: string }) : undefined;
    },
    { timeoutMs: 20_000, what: 'kong-sim process ready' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  const counts = () =>
    new Promise<KongCounts>((resolve, reject) => {
      const onMessage = (message: { counts?: KongCounts }) => {
        if (!message.counts) return;
        proc.child.off('message', onMessage);
        clearTimeout(timer);
        resolve(message.counts);
      };
      const timer = setTimeout(() => {
        proc.child.off('message', onMessage);
        reject(new Error('kong-sim did not answer the counts request'));
      }, 10_000);
      proc.child.on('message', onMessage);
      proc.child.send('counts');
    });
  return { ...proc, ...ready, counts };
}

/** One value of a Prometheus text exposition, summed over the series whose labels match. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`)))
      sum += Number(match[3]);
  }
  return sum;
}
