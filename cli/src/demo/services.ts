/**
 * The services behind the gateway: the examples (orders, users, inventory, greeter) and the echo service,
 * each instance its own child process that registers itself with the registry.
 */
import type { AuthType } from '@kong-registry/sdk';
import { ManagedChild, jsonLine, type LogSink } from './child';
import type { DemoConfig } from './config';
import { ENTRY_POINTS } from './paths';

/** One service the demo knows how to start. */
export interface ServiceKind {
  service: string;
  prefix: string;
  auth: AuthType;
  /** A path under the prefix worth calling in the printed curl commands. */
  samplePath: string;
  /** `grpc`: reached over HTTP/2 with the greeter client, not curl. @default 'http' */
  protocol?: 'http' | 'grpc';
  command: (config: DemoConfig) => { command: string; args: string[] };
}

const node = (entry: string) => () => ({ command: process.execPath, args: [entry] });

/** The examples of examples/README.md. */
export const EXAMPLES: Record<'orders' | 'users' | 'inventory' | 'greeter', ServiceKind> = {
  orders: {
    service: 'orders',
    prefix: '/orders',
    auth: 'key-auth',
    samplePath: '/orders/42',
    command: node(ENTRY_POINTS.orders),
  },
  users: {
    service: 'users',
    prefix: '/users',
    auth: 'jwt',
    samplePath: '/users/me',
    command: node(ENTRY_POINTS.users),
  },
  inventory: {
    service: 'inventory',
    prefix: '/inventory',
    auth: 'none',
    samplePath: '/inventory/items/7',
    command: () => ({ command: 'python3', args: [ENTRY_POINTS.inventory] }),
  },
  greeter: {
    service: 'greeter',
    prefix: '/demo.Greeter',
    auth: 'key-auth',
    samplePath: '/demo.Greeter/SayHello',
    protocol: 'grpc',
    command: node(ENTRY_POINTS.greeter),
  },
};

/** The echo service under any name (no auth, prefix `/<name>`). */
export function echoKind(service: string): ServiceKind {
  return {
    service,
    prefix: `/${service}`,
    auth: 'none',
    samplePath: `/${service}/hello`,
    command: node(ENTRY_POINTS.echo),
  };
}

/** A running instance and what it printed when registered. */
export interface ServiceInstance {
  kind: ServiceKind;
  instanceId: string;
  port: number;
  child: ManagedChild;
}

/** Registry wiring every instance needs. */
export interface InstanceWiring {
  registryUrl: string;
  /** A service token for `service`. */
  tokenFor(service: string): string;
}

/** Spawns one instance and resolves once it printed its ready line (it is registered then). */
export async function startServiceInstance(
  config: DemoConfig,
  sink: LogSink,
  wiring: InstanceWiring,
  kind: ServiceKind,
  instanceId: string,
): Promise<ServiceInstance> {
  const t = config.timings;
  const { command, args } = kind.command(config);
  const child = new ManagedChild(
    {
      name: instanceId,
      command,
      args,
      env: {
        ...config.baseEnv,
        SERVICE: kind.service,
        PORT: '0',
        HOST: config.bindHost,
        ADVERTISE_HOST: config.advertiseHost,
        REGISTRY_URL: wiring.registryUrl,
        REGISTRY_TOKEN: wiring.tokenFor(kind.service),
        INSTANCE_ID: instanceId,
        PREFIX: kind.prefix,
        TTL_SECONDS: String(t.leaseTtlSeconds),
        HEALTH_INTERVAL_SECONDS: String(t.healthIntervalSeconds),
        DRAIN_HOLD_SECONDS: String(t.drainHoldSeconds),
        LOG_LEVEL: exampleLogLevel(config.logLevel),
        PYTHONUNBUFFERED: '1',
      },
    },
    sink,
  );
  const ready = await child.waitForLine(
    (line, stream) => jsonLine<{ instanceId?: string; port?: number }>(line, stream),
    20_000,
    'ready line (registered)',
  );
  return { kind, instanceId: ready.instanceId ?? instanceId, port: ready.port ?? 0, child };
}

/** The examples know debug, info, warn and error: the demo's other levels mapped onto them. */
function exampleLogLevel(level: string): string {
  if (level === 'trace') return 'debug';
  if (level === 'fatal' || level === 'silent') return 'error';
  return level;
}
