/**
 * The demo orchestrator (also the e2e suite's stack): starts Redis, kong-sim (or uses a real
 * Kong), the registry, the controller and the service instances as child processes, creates the
 * demo consumer, waits until every route answers through the proxy, and stops it all in order.
 *
 *   start: redis → kong-sim → registry → controller → consumer → services → routes live
 *   stop:  services (drain + deregister) → consumer → Kong converged → controller → registry
 *          → kong-sim → redis
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_OWNERSHIP_TAG } from '@kong-registry/kong-plugin';
import { mintToken } from '@kong-registry/registry';
import type { ManagedChild, LogSink } from './child';
import type { DemoConfig } from './config';
import { createDemoConsumer, signDemoJwt, type DemoConsumer } from './consumer';
import { callJson, pollUntil } from './http';
import {
  startControllerProcess,
  startKongSimProcess,
  startRedisProcess,
  startRegistryProcess,
  type RedisProcess,
} from './infra';
import { greet } from './grpc-client';
import { startServiceInstance, type ServiceInstance, type ServiceKind } from './services';

/** Services to start and how many instances of each. */
export interface ServicePlan {
  kind: ServiceKind;
  count: number;
}

/** The running system. */
export interface DemoStack {
  config: DemoConfig;
  /** True when the stack drives a real Kong (KONG_ADMIN_URL/KONG_PROXY_URL) instead of kong-sim. */
  realKong: boolean;
  proxyUrl: string;
  kongAdminUrl: string;
  registryUrl: string;
  redisUrl: string;
  adminToken: string;
  consumer: DemoConsumer;
  /** Live service instances (stopped or killed ones are removed by `stopInstance`/`killInstance`). */
  instances: ServiceInstance[];
  instancesOf(service: string): ServiceInstance[];
  /** Headers that pass the gateway auth of `kind` for the demo consumer. */
  credentialsFor(kind: ServiceKind): Record<string, string>;
  /** Starts one more instance (it registers itself). */
  startInstance(kind: ServiceKind, instanceId: string): Promise<ServiceInstance>;
  /** Waits until `kind` answers 200 through the proxy, from this instance when given. */
  waitForRoute(kind: ServiceKind, timeoutMs?: number): Promise<void>;
  /** Headers for Kong's Admin API (the admin token when configured). */
  kongAdminHeaders(): Record<string, string>;
  mintServiceToken(service: string): string;
  /** Every process, in start order (for logs and diagnostics). */
  processes(): ManagedChild[];
  /** Ordered shutdown; idempotent. Resolves to false when something had to be killed. */
  stop(): Promise<boolean>;
}

/** How long one instance may take to drain and deregister before it is killed. */
const INSTANCE_STOP_GRACE_MS = 15_000;

/** The services `npm run demo` starts. */
export function defaultServicePlan(config: DemoConfig, kinds: ServiceKind[]): ServicePlan[] {
  return kinds.map((kind) => ({ kind, count: config.instances }));
}

/** Starts everything; on any failure stops what already started and rethrows. */
export async function startDemoStack(
  config: DemoConfig,
  sink: LogSink,
  plan: ServicePlan[],
): Promise<DemoStack> {
  const steps: (() => Promise<unknown>)[] = [];
  const say = (text: string): void => sink('demo', 'INFO', text);
  const stopChild =
    (child: ManagedChild, graceMs = 10_000) =>
    () =>
      child.stop(graceMs);
  const jwtSecret = randomBytes(32).toString('base64url');
  const keys = { algorithm: 'HS256' as const, secret: jwtSecret };
  const adminToken = mintToken(keys, { role: 'admin' }, { ttlSeconds: 86_400 });
  const mintServiceToken = (service: string): string =>
    mintToken(keys, { role: 'service', service }, { ttlSeconds: 86_400 });
  const children: ManagedChild[] = [];
  const instances: ServiceInstance[] = [];

  const unwind = async (): Promise<void> => {
    for (const step of steps.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    let redisUrl = config.redisUrl;
    let redis: RedisProcess | undefined;
    if (!redisUrl) {
      redis = await startRedisProcess(config, sink);
      children.push(redis.child);
      const started = redis;
      steps.push(async () => {
        await started.child.stop(5000);
        started.cleanup();
      });
      redisUrl = redis.url;
    }
    say(`redis: ${redisUrl}`);

    let kongAdminUrl: string;
    let proxyUrl: string;
    if (config.kong) {
      ({ adminUrl: kongAdminUrl, proxyUrl } = config.kong);
      say(`using the Kong at ${kongAdminUrl} (proxy ${proxyUrl}); kong-sim is not started`);
    } else {
      const sim = await startKongSimProcess(config, sink);
      children.push(sim.child);
      steps.push(stopChild(sim.child, 5000));
      ({ admin: kongAdminUrl, proxy: proxyUrl } = sim);
      say(`kong-sim: admin ${kongAdminUrl}, proxy ${proxyUrl}`);
    }

    const registry = await startRegistryProcess(config, sink, redisUrl, jwtSecret, kongAdminUrl);
    children.push(registry.child);
    steps.push(stopChild(registry.child));
    say(`registry: ${registry.url}`);

    const controller = await startControllerProcess(config, sink, {
      registryUrl: registry.url,
      adminToken,
      redisUrl,
      kongAdminUrl,
    });
    children.push(controller.child);
    steps.push(stopChild(controller.child));
    say('controller: first reconcile done');

    const consumer = await createDemoConsumer(registry.url, adminToken);
    say(`consumer '${consumer.username}' created with a key-auth key and a JWT credential`);

    const kongAdminHeaders = (): Record<string, string> =>
      config.kong?.adminToken ? { 'kong-admin-token': config.kong.adminToken } : {};
    // Before the controller stops: the consumer leaves, then Kong is given time to converge
    // (services deregistered, consumer deleted), so a real Kong is left as we found it.
    steps.push(async () => {
      await callJson(`${registry.url}/v1/consumers/${consumer.username}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminToken}` },
      }).catch(() => undefined);
      await pollUntil(
        async () => {
          const tag = encodeURIComponent(DEFAULT_OWNERSHIP_TAG);
          const headers = kongAdminHeaders();
          const [services, consumers] = await Promise.all([
            callJson(`${kongAdminUrl}/services?tags=${tag}`, { headers }),
            callJson(`${kongAdminUrl}/consumers?tags=${tag}`, { headers }),
          ]);
          const count = (reply: { body: unknown }) =>
            ((reply.body as { data?: unknown[] } | undefined)?.data ?? []).length;
          return count(services) === 0 && count(consumers) === 0;
        },
        { timeoutMs: 10_000, what: 'Kong to drop the demo entities' },
      ).catch((err: unknown) => sink('demo', 'WARN', (err as Error).message));
    });

    const credentialsFor = (kind: ServiceKind): Record<string, string> => {
      if (kind.auth === 'key-auth') return { apikey: consumer.apiKey };
      if (kind.auth === 'jwt') return { authorization: `Bearer ${signDemoJwt(consumer, 3600)}` };
      return {};
    };
    const waitForRoute = async (kind: ServiceKind, timeoutMs = 20_000): Promise<void> => {
      if (kind.protocol === 'grpc') {
        await pollUntil(
          async () => {
            const count = await greet(proxyUrl, consumer.apiKey);
            return Object.keys(count.byInstance).some((id) => id.startsWith(kind.service));
          },
          {
            timeoutMs,
            intervalMs: 300,
            what: `${kind.prefix} to answer a gRPC call through the proxy`,
          },
        );
        return;
      }
      await pollUntil(
        async () => {
          const reply = await callJson(`${proxyUrl}${kind.samplePath}`, {
            headers: credentialsFor(kind),
          });
          return (
            reply.status === 200 && (reply.body as { service?: string })?.service === kind.service
          );
        },
        { timeoutMs, intervalMs: 100, what: `${kind.prefix} to answer 200 through the proxy` },
      );
    };
    const startInstance = async (
      kind: ServiceKind,
      instanceId: string,
    ): Promise<ServiceInstance> => {
      const instance = await startServiceInstance(
        config,
        sink,
        { registryUrl: registry.url, tokenFor: mintServiceToken },
        kind,
        instanceId,
      );
      children.push(instance.child);
      instances.push(instance);
      return instance;
    };
    // Services stop first, all at once: each drains (Kong weight 0), finishes and deregisters.
    steps.push(() => Promise.all(instances.map((i) => i.child.stop(INSTANCE_STOP_GRACE_MS))));

    await Promise.all(
      plan.flatMap(({ kind, count }) =>
        Array.from({ length: count }, (_, n) => startInstance(kind, `${kind.service}-${n + 1}`)),
      ),
    );
    await Promise.all(plan.map(({ kind }) => waitForRoute(kind)));
    say('every route answers through the proxy');

    let stopping: Promise<boolean> | undefined;
    return {
      config,
      realKong: config.kong !== undefined,
      proxyUrl,
      kongAdminUrl,
      registryUrl: registry.url,
      redisUrl,
      adminToken,
      consumer,
      instances,
      instancesOf: (service) => instances.filter((i) => i.kind.service === service),
      credentialsFor,
      startInstance,
      waitForRoute,
      kongAdminHeaders,
      mintServiceToken,
      processes: () => [...children],
      stop: () => {
        stopping ??= (async () => {
          say('stopping: services, then controller, registry, kong-sim, redis');
          await unwind();
          const killed = children.filter((c) => c.forced).length;
          return killed === 0;
        })();
        return stopping;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
