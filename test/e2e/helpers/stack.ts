/**
 * The e2e suite's stack: the demo's own orchestrator (cli/src/demo) with short leases and probe
 * intervals, every part a real child process. Against a real Kong when KONG_ADMIN_URL and
 * KONG_PROXY_URL are set (kong-sim is then not started); the services must be reachable from that
 * Kong: set E2E_ADVERTISE_HOST to this host's address when Kong runs in a container.
 *
 * Logs of every process go to a file (path printed once), or to stderr with E2E_LOG=1.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  DEMO_TIMINGS,
  loadDemoConfig,
  startDemoStack,
  type DemoConfig,
  type DemoStack,
  type DemoTimings,
  type LogSink,
  type ServicePlan,
} from '../../../cli/src/demo';
import { DEFAULT_DRAIN_HOLD_SECONDS } from '@kong-registry/sdk';
import { KONG_WORKER_DEFAULTS } from '@kong-registry/kong-sim';

/** Short enough that lease expiry and health checks happen within a test, long enough for 2 busy cores. */
export const E2E_TIMINGS: DemoTimings = {
  ...DEMO_TIMINGS,
  leaseTtlSeconds: 4,
  minLeaseTtlSeconds: 1,
  healthIntervalSeconds: 1,
  reaperIntervalMs: 200,
  drainSeconds: 1,
  debounce: '50ms',
  resync: '10s',
  healthFeedback: '1s',
  massExpiryHold: '2s',
  // Kong's own defaults, not the demo's tuning: a 5 s router rebuild, and the SDK's default
  // drain hold, so the drain test shows what a stock Kong gives (kong-sim/KONG_BEHAVIOUR.md).
  kongWorkerStateUpdateFrequency: KONG_WORKER_DEFAULTS.workerStateUpdateFrequency,
  drainHoldSeconds: DEFAULT_DRAIN_HOLD_SECONDS,
};

/** A started stack plus where its logs are. */
export interface E2eStack extends DemoStack {
  logFile: string | undefined;
}

function e2eConfig(): DemoConfig {
  const env = process.env;
  const config = loadDemoConfig(
    [],
    {
      PATH: env.PATH,
      HOME: env.HOME,
      TMPDIR: env.TMPDIR,
      KONG_ADMIN_URL: env.KONG_ADMIN_URL,
      KONG_PROXY_URL: env.KONG_PROXY_URL,
      KONG_ADMIN_TOKEN: env.KONG_ADMIN_TOKEN,
      // The shared throwaway Redis of `npm test` when there is one (keys stay apart by prefix).
      REDIS_URL: env.REDIS_URL,
      DEMO_ADVERTISE_HOST: env.E2E_ADVERTISE_HOST,
      LOG_LEVEL: env.E2E_LOG_LEVEL ?? 'info',
    },
    E2E_TIMINGS,
  );
  if (config === 'help') throw new Error('unreachable: no --help given');
  return config;
}

function logSink(label: string): { sink: LogSink; file: string | undefined } {
  if (process.env.E2E_LOG === '1') {
    return {
      sink: (name, level, text) => process.stderr.write(`[${name}] ${text}\n`),
      file: undefined,
    };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'kong-registry-e2e-')), `${label}.log`);
  return {
    sink: (name, _level, text) => appendFileSync(file, `[${name}] ${text}\n`),
    file,
  };
}

/** Starts the stack with `plan`; the log file path is printed so a failure can be read. */
export async function startE2eStack(label: string, plan: ServicePlan[]): Promise<E2eStack> {
  const { sink, file } = logSink(label);
  if (file)
    process.stderr.write(`e2e ${label}: process logs in ${file} (E2E_LOG=1 streams them)\n`);
  const config = e2eConfig();
  const stack = await startDemoStack(config, sink, plan);
  const stopStack = stack.stop;
  let stopping: Promise<boolean> | undefined;
  // On the shared Redis of `npm test`, remove exactly this stack's keys once it has stopped.
  const stop = (): Promise<boolean> => {
    stopping ??= stopStack().then(async (clean) => {
      if (config.redisUrl) await deleteKeys(config.redisUrl, config.keyPrefix);
      return clean;
    });
    return stopping;
  };
  return Object.assign(stack, { logFile: file, stop });
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** True when the suite drives a real Kong rather than kong-sim. */
export function againstRealKong(): boolean {
  return Boolean(process.env.KONG_ADMIN_URL && process.env.KONG_PROXY_URL);
}
