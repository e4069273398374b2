/**
 * Composition root of the control plane: wires the registry client, Kong clients, leader lock,
 * event follower, reconcile loop, health feedback and status listener from one config.
 * `assembleController(config, metrics)` takes its metrics sink from the caller, so one-shot
 * commands can pass NO_METRICS and never load prom-client; controller-with-prometheus.ts adds the Prometheus
 * metrics (`createController`, what the CLI, the demo and the e2e tests use in-process).
 */
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { isRouted, STATE_SCOPE_MAX_SERVICES, type StateSnapshot } from '@kong-registry/sdk';
import type Redis from 'ioredis';
import type * as IoRedis from 'ioredis';
import type * as Yaml from 'yaml';
import { createAdminClient } from './admin-api/factory';
import { NodeWatch } from './apply/node-watch';
import type { ControllerConfig, RedisSentinelConfig } from './config';
import { isConverged } from './convergence';
import { describeError, errorLogFields } from './errors';
import { readKongHealth, HealthReporter } from './health/feedback';
import { HealthRounds } from './health/rounds';
import { LeaderLock } from './leader/lock';
import { createLogger, type Logger } from './logger';
import { ReconcileLoop } from './loop';
import { WHOLE, type ReconcileScope } from './plan/scope';
import type { ControllerMetrics } from './metrics';
import type { MetricsSink } from './metrics-sink';
import type { KongNode, ReconcileReport } from './reconcile-types';
import { Reconciler } from './reconciler';
import { KongSelfProtection } from './safety/self-protection';
import { RegistryClient } from './registry/client';
import { followRegistryEvents, type EventFollower } from './registry/events';
import { startStatusServer } from './status-server';

/**
 * How long a service that was just written is read on every health-feedback tick: its new
 * targets take a few probe intervals to be judged.
 */
const HEALTH_SETTLE_MS = 60_000;

/** A running (or startable) controller; `metrics` is the sink it records into. */
export interface Controller<M extends MetricsSink = ControllerMetrics> {
  /** Starts the lock, event follower, loop and status listener. */
  start(): Promise<void>;
  /** Stops everything, releases the lock, closes connections. Idempotent. */
  stop(): Promise<void>;
  /**
   * One reconcile now, of everything or of `scope`; applies only when this replica may write (or
   * `apply: false` plans only).
   */
  reconcileOnce(options?: {
    apply?: boolean;
    scope?: ReconcileScope;
    /** A periodic drift check: Kong reads at RESYNC_READ_RATE. */
    paced?: boolean;
  }): Promise<ReconcileReport>;
  /** Pushes Kong's upstream health to the registry now; returns how many reports were sent. */
  reportHealthOnce(): Promise<number>;
  /** One leader-lock attempt (CLI one-shots); true when this replica may write. */
  acquireLeadership(): Promise<boolean>;
  /** True after the first successful reconcile. */
  readonly ready: boolean;
  /** True when this replica writes (it holds the lock, or no Redis lock is configured). */
  readonly isLeader: boolean;
  readonly metrics: M;
  /** Bound address of the status listener, when METRICS_PORT is set. */
  readonly statusAddress: { host: string; port: number } | undefined;
}

/** Options beside the config, mostly for tests. */
export interface ControllerOptions {
  logger?: Logger;
  now?: () => Date;
  /** A one-shot command (`sync`, `diff`): removals no tombstone explains are not held. */
  oneShot?: boolean;
}

// ioredis and yaml are required on first use, not at the top: a one-shot `kong-registry sync`
// without REDIS_URL or DBLESS_BASE_FILE never needs them, and loading them was a large share of its
// start-up (figures in bench/profiles/controller-reconcile.md). require, not import(): ts-jest runs
// CommonJS without the VM modules flag that a dynamic import() needs.

function newRedis(url: string | undefined, sentinel: RedisSentinelConfig | undefined): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
  const { Redis: RedisClient } = require('ioredis') as typeof IoRedis;
  const common = { lazyConnect: true, maxRetriesPerRequest: 1 };
  if (!sentinel) return new RedisClient(url ?? '', common);
  // After a failover ioredis asks the Sentinels for the new master and checks its role.
  return new RedisClient({
    ...common,
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    ...(sentinel.password ? { password: sentinel.password } : {}),
    ...(sentinel.sentinelPassword ? { sentinelPassword: sentinel.sentinelPassword } : {}),
  });
}

function loadBase(path: string | undefined): Record<string, unknown> | undefined {
  if (!path) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
  const { parse: parseYaml } = require('yaml') as typeof Yaml;
  const parsed = parseYaml(readFileSync(path, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`DBLESS_BASE_FILE ${path}: not a declarative document`);
  }
  return parsed as Record<string, unknown>;
}

/** Builds a controller that records into `metrics`. Nothing runs until start() or reconcileOnce(). */
export function assembleController<M extends MetricsSink>(
  config: ControllerConfig,
  metrics: M,
  options: ControllerOptions = {},
): Controller<M> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const log = logger.child({ component: 'controller' });
  const registry = new RegistryClient({ url: config.registryUrl, token: config.registryToken });
  const nodes: KongNode[] = config.kong.urls.map((url) => ({
    url,
    mode: config.kong.mode,
    // Every write first asks the lock's lease (no Redis call): see leader/lock.ts.
    client: createAdminClient(config.kong, url, () => !lock || lock.holdsLease()),
  }));
  const redis =
    config.redisUrl || config.redisSentinel
      ? newRedis(config.redisUrl, config.redisSentinel)
      : undefined;
  const lock = redis
    ? new LeaderLock(
        redis,
        { ...config.lock, onChange: (leader) => metrics.leader.set(leader ? 1 : 0) },
        logger.child({ component: 'leader' }),
      )
    : undefined;
  if (!lock) metrics.leader.set(1);
  // ioredis reconnects on its own; lock ticks report the failures, so keep its events quiet.
  redis?.on('error', (err: Error) => log.debug({ err: err.message }, 'Redis connection error'));
  const reconciler = new Reconciler({
    registry,
    nodes,
    ownershipTag: config.ownershipTag,
    applyConcurrency: config.applyConcurrency,
    guard: options.oneShot ? { ...config.massExpiry, holdUnexplained: false } : config.massExpiry,
    logger: logger.child({ component: 'reconciler' }),
    metrics,
    // Always on: whatever the registry let through, Kong never proxies to its own Admin API.
    selfProtection: new KongSelfProtection({ nodes }),
    ...(config.dblessBaseFile ? { dblessBase: loadBase(config.dblessBaseFile) } : {}),
    telemetry: config.telemetry,
    ...(lock ? { beforeWrite: () => lock.assertLeader() } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(config.resyncReadRate > 0 && !options.oneShot ? { readRate: config.resyncReadRate } : {}),
  });
  // Health feedback has its own connections to the registry: after a first sync it reports every
  // instance at once, and reconciles must not queue behind those reports.
  const healthRegistry = new RegistryClient({
    url: config.registryUrl,
    token: config.registryToken,
  });
  const reporter = new HealthReporter(
    healthRegistry,
    logger.child({ component: 'health-feedback' }),
  );

  let ready = false;
  let lastSnapshot: StateSnapshot | undefined;
  let follower: EventFollower | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let statusServer: Server | undefined;
  let statusAddress: Controller['statusAddress'];
  let stopping: Promise<void> | undefined;

  const isLeader = (): boolean => !lock || lock.isLeader;

  // The reconciler keeps reconciles apart (one whole at a time, writes one at a time): the loop,
  // CLI one-shots and tests share this entry point.
  const reconcileOnce = ({
    apply = true,
    scope = WHOLE,
    paced = false,
  }: { apply?: boolean; scope?: ReconcileScope; paced?: boolean } = {}): Promise<ReconcileReport> =>
    reconcileNow(apply, scope, paced);

  const reconcileNow = async (
    apply: boolean,
    scope: ReconcileScope,
    paced: boolean,
  ): Promise<ReconcileReport> => {
    // Renew (or take, if free) the lock right before deciding whether to write.
    if (lock && apply) await lock.tick();
    const writing = apply && isLeader();
    const timer = metrics.reconcileDuration.startTimer();
    const report = await reconciler.reconcile({ apply: writing, scope, paced });
    const scopeLabel = report.scope ? 'services' : 'all';
    timer({ scope: scopeLabel });
    if (writing)
      metrics.reconcileWrites.observe(
        { scope: scopeLabel },
        report.nodes.reduce((n, node) => n + (node.result?.writes ?? 0), 0),
      );
    if (!report.scope) lastSnapshot = report.snapshot;
    noteReport(report);
    metrics.reconciles.inc({
      result: !report.ok ? 'failed' : writing ? 'ok' : 'follower',
      scope: scopeLabel,
    });
    if (isConverged(report, writing)) metrics.lastConverged.set(Date.now() / 1000);
    if (report.ok) {
      metrics.lastSuccess.set(Date.now() / 1000);
      if (!ready) {
        ready = true;
        metrics.ready.set(1);
        log.info({ leader: isLeader() }, 'controller ready');
      }
    }
    return report;
  };

  // Health feedback reads the upstreams a round picks (health/rounds.ts), not all of them.
  const rounds = new HealthRounds({
    tickMs: config.healthFeedbackIntervalMs || config.resyncIntervalMs,
    fullMs: config.healthFeedbackFullMs,
    settleMs: HEALTH_SETTLE_MS,
  });
  const knownServices = new Set<string>();
  const noteReport = (report: ReconcileReport): void => {
    if (!report.scope) knownServices.clear();
    for (const name of report.scope ?? []) knownServices.delete(name);
    // Route-less services have no upstream whose health could be read.
    for (const view of report.snapshot.services)
      if (isRouted(view.definition)) knownServices.add(view.name);
    const written = new Set<string>();
    for (const node of report.nodes)
      for (const op of node.result?.applied ?? []) if (op.service) written.add(op.service);
    rounds.changed([...written], Date.now());
  };

  const reportHealthOnce = async (): Promise<number> => {
    if (!isLeader()) return 0;
    const node = nodes[0];
    if (!node) return 0;
    if (!lastSnapshot) {
      lastSnapshot = await healthRegistry.getState();
      for (const view of lastSnapshot.services)
        if (isRouted(view.definition)) knownServices.add(view.name);
    }
    const services = rounds.next([...knownServices].sort(), Date.now());
    if (services.length === 0) return 0;
    const [snapshot, health] = await Promise.all([
      healthRegistry.getState(services.length <= STATE_SCOPE_MAX_SERVICES ? services : undefined),
      readKongHealth(node.client, services, config.ownershipTag),
    ]);
    rounds.observed(health.byService);
    return reporter.report(snapshot, health.instances);
  };

  // Held removals must be re-planned when their hold ends, even if nothing else happens: at the
  // first hold to end; the reconcile it triggers schedules the next.
  let holdTimer: NodeJS.Timeout | undefined;
  const scheduleHoldRelease = (report: ReconcileReport): void => {
    const held = report.nodes.flatMap((n) => n.held);
    if (held.length === 0 || holdTimer) return;
    const remaining = Math.min(...held.map((h) => config.massExpiry.holdMs - h.heldForMs));
    holdTimer = setTimeout(() => {
      holdTimer = undefined;
      loop.trigger('mass-expiry hold ended');
    }, remaining + 10);
    holdTimer.unref();
  };

  const loop = new ReconcileLoop(
    async (scope, { periodic }) => {
      const report = await reconcileOnce({ scope, paced: periodic });
      scheduleHoldRelease(report);
      // Kong's health of a service's new targets takes its probes' time to know: the feedback
      // timer reports it; a whole pass reports right after the resync.
      if (report.ok && !report.scope && isLeader())
        await reportHealthOnce().catch((err: unknown) =>
          log.warn(errorLogFields(err), 'health feedback failed'),
        );
      return report.ok;
    },
    {
      resyncMs: config.resyncIntervalMs,
      debounceMs: config.debounceMs,
      retryMaxMs: config.retryMaxMs,
    },
    logger.child({ component: 'loop' }),
  );

  const nodeWatch = new NodeWatch({
    nodes,
    intervalMs: config.dblessWatchIntervalMs,
    isLeader,
    trigger: (reason) => loop.trigger(reason),
    counted: (reason) => metrics.nodeWatchReconciles.inc({ reason }),
    logger: logger.child({ component: 'node-watch' }),
  });

  return {
    async start() {
      log.info(
        { nodes: config.kong.urls, mode: config.kong.mode, lock: !!lock },
        'controller starting',
      );
      // "Not converged for N minutes" counts from the start until the first convergence.
      metrics.lastConverged.set(Date.now() / 1000);
      // Redis down at start is not fatal: ioredis keeps reconnecting, and until the lock is
      // held this replica only plans (never writes).
      if (redis) {
        await redis
          .connect()
          .catch((err: unknown) =>
            log.warn(
              { err: describeError(err) },
              'Redis unreachable: not writing until the leader lock is held',
            ),
          );
      }
      if (lock) await lock.start();
      follower = followRegistryEvents(
        registry,
        {
          onEvent: (event) => {
            if (event.type === 'instance.gateway-health') return;
            // Instance and service events concern one service; consumer events concern all.
            const scoped = event.type.startsWith('instance.') || event.type.startsWith('service.');
            loop.trigger(event.type, scoped ? event.service : undefined);
          },
          onResync: () => loop.trigger('event stream (re)connected'),
        },
        logger.child({ component: 'events' }),
      );
      loop.start();
      nodeWatch.start();
      if (config.healthFeedbackIntervalMs > 0) {
        healthTimer = setInterval(() => {
          reportHealthOnce().catch((err: unknown) =>
            log.warn(errorLogFields(err), 'health feedback failed'),
          );
        }, config.healthFeedbackIntervalMs);
        healthTimer.unref();
      }
      if (config.metrics.port !== undefined) {
        statusServer = await startStatusServer(
          metrics,
          () => ready,
          config.metrics.port,
          config.metrics.host,
        );
        const address = statusServer.address();
        if (address && typeof address === 'object')
          statusAddress = { host: address.address, port: address.port };
        log.info(statusAddress, 'status listener up (/metrics, /healthz, /readyz)');
      }
    },
    stop() {
      stopping ??= (async () => {
        log.info('controller stopping');
        follower?.stop();
        nodeWatch.stop();
        if (healthTimer) clearInterval(healthTimer);
        if (holdTimer) clearTimeout(holdTimer);
        await loop.stop();
        await lock?.stop();
        if (statusServer)
          await new Promise<void>((resolve) => statusServer!.close(() => resolve()));
        redis?.disconnect();
        await Promise.all([
          registry.close(),
          healthRegistry.close(),
          ...nodes.map((n) => n.client.close()),
        ]);
        log.info('controller stopped');
      })();
      return stopping;
    },
    reconcileOnce,
    reportHealthOnce,
    acquireLeadership: async () => (lock ? lock.tick() : true),
    get ready() {
      return ready;
    },
    get isLeader() {
      return isLeader();
    },
    metrics,
    get statusAddress() {
      return statusAddress;
    },
  };
}
