import { setMaxListeners } from 'node:events';
import type { Healthchecks, TargetEntity, UpstreamEntity } from '../store/types';
import {
  applyHealthEvent,
  classifyStatus,
  initialHealth,
  type HealthEvent,
  type HealthLimits,
  type TargetHealth,
} from './counters';
import type { ProbeRequest, ProbeResult } from './probe';
import { parseTargetAddress } from './target-address';

/** The logger shape kong-sim components take (pino-compatible). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A no-op logger for when none is given. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * When health checking counts as on
 * (K:kong/runloop/balancer/healthcheckers.lua `is_upstream_using_healthcheck`).
 */
export function isHealthcheckingOn(healthchecks: Healthchecks): boolean {
  // (Checked on the upstream as stored, before the HTTP subsystem zeroes tcp intervals.)
  const { active, passive } = healthchecks;
  return (
    active.healthy.interval !== 0 ||
    active.unhealthy.interval !== 0 ||
    passive.unhealthy.tcp_failures !== 0 ||
    passive.unhealthy.timeouts !== 0 ||
    passive.unhealthy.http_failures !== 0
  );
}

/**
 * Why the health-check library Kong 3.9.3 pins (lua-resty-healthcheck 3.1.0) refuses these checks,
 * or undefined: it takes only http, https and tcp, although the upstream schema also accepts grpc
 * and grpcs (K:kong/db/schema/entities/upstreams.lua `check_type`). Kong logs the error and the
 * upstream gets no checker.
 */
export function checkerRefusal(healthchecks: Healthchecks): string | undefined {
  for (const kind of ['active', 'passive'] as const) {
    const type = healthchecks[kind].type;
    if (type !== 'http' && type !== 'https' && type !== 'tcp')
      return `checks.${kind}.type can only be 'http', 'https' or 'tcp', got '${type}'`;
  }
  return undefined;
}

/** The thresholds of one kind of check (`active` or `passive`) of an upstream. */
function limitsOf(hc: Healthchecks, source: 'active' | 'passive'): HealthLimits {
  const { healthy, unhealthy } = hc[source];
  return {
    successes: healthy.successes,
    httpFailures: unhealthy.http_failures,
    tcpFailures: unhealthy.tcp_failures,
    timeouts: unhealthy.timeouts,
  };
}

/** Dependencies of a checker, injectable for tests. */
export interface CheckerDeps {
  probe(request: ProbeRequest): Promise<ProbeResult>;
  logger: Logger;
}

/**
 * The health checker of one upstream: active probe loops plus passive reports, one state per
 * target. It is thrown away and rebuilt when the upstream or its targets change, so all state is
 * lost then. Kong instead carries each address's status over into the rebuilt checker for 300 s
 * (kong-sim/KONG_BEHAVIOUR.md#manual-overrides-and-checker-lifetime): a known difference.
 * Weight-0 targets are not checked (HEALTHCHECKS_OFF).
 */
export class UpstreamHealthChecker {
  private readonly states = new Map<string, TargetHealth>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = { healthy: false, unhealthy: false };
  private readonly aborter = new AbortController();
  private stopped = false;

  constructor(
    readonly upstream: UpstreamEntity,
    private readonly targets: readonly TargetEntity[],
    private readonly deps: CheckerDeps,
  ) {
    for (const target of targets)
      if (target.weight > 0) this.states.set(target.id, initialHealth());
    // Every probe in flight listens on the one signal (probe.ts removes its listener when its
    // socket closes): more than 10 targets is no leak, so no MaxListenersExceededWarning.
    setMaxListeners(0, this.aborter.signal);
  }

  /**
   * Starts the active loops; the first probe happens one interval after start. Kong's HTTP
   * subsystem runs no active `tcp` checks: it zeroes their intervals there, leaving them to the
   * stream subsystem (K:kong/runloop/balancer/healthcheckers.lua `create_healthchecker`), and the
   * proxy is the HTTP subsystem. Passive checks still count.
   */
  start(): void {
    const { healthy, unhealthy, type } = this.upstream.healthchecks.active;
    if (type === 'tcp') return;
    if (healthy.interval > 0) this.schedule('healthy', healthy.interval);
    if (unhealthy.interval > 0) this.schedule('unhealthy', unhealthy.interval);
  }

  /** Clears every timer and aborts probes in flight (their results are dropped). */
  stop(): void {
    this.stopped = true;
    this.aborter.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  /** Whether the target may get traffic (untracked targets, e.g. weight 0, count as healthy). */
  isHealthy(targetId: string): boolean {
    return this.states.get(targetId)?.healthy ?? true;
  }

  /** Whether the target is tracked at all (false for weight-0 targets). */
  tracks(targetId: string): boolean {
    return this.states.has(targetId);
  }

  /** Manual override from `PUT .../healthy|unhealthy`: sets the state and clears the counters. */
  setHealthy(targetId: string, healthy: boolean): void {
    if (!this.states.has(targetId)) return;
    this.transition(targetId, initialHealth(healthy), 'manual');
  }

  /** Passive check: the status of a proxied response. */
  reportStatus(targetId: string, status: number): void {
    const { healthy, unhealthy } = this.upstream.healthchecks.passive;
    const event = classifyStatus(status, healthy.http_statuses, unhealthy.http_statuses);
    if (event) this.report(targetId, event, 'passive');
  }

  /** Passive check: a connection failure or timeout while proxying. */
  reportFailure(targetId: string, event: 'tcp_failure' | 'timeout'): void {
    this.report(targetId, event, 'passive');
  }

  private report(targetId: string, event: HealthEvent, source: 'active' | 'passive'): void {
    const state = this.states.get(targetId);
    if (!state || this.stopped) return;
    const hc = this.upstream.healthchecks;
    const limits = limitsOf(hc, source);
    this.transition(targetId, applyHealthEvent(state, event, limits), source);
  }

  private transition(targetId: string, next: TargetHealth, source: string): void {
    const previous = this.states.get(targetId);
    this.states.set(targetId, next);
    if (previous && previous.healthy !== next.healthy) {
      const target = this.targets.find((t) => t.id === targetId)?.target;
      this.deps.logger.info(
        {
          upstream: this.upstream.name,
          target,
          source,
          health: next.healthy ? 'HEALTHY' : 'UNHEALTHY',
        },
        'target health changed',
      );
    }
  }

  private schedule(loop: 'healthy' | 'unhealthy', intervalSeconds: number): void {
    const timer = setInterval(() => void this.runLoop(loop), intervalSeconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  /** One round of a loop: probes the targets currently in that state, `concurrency` at a time. */
  private async runLoop(loop: 'healthy' | 'unhealthy'): Promise<void> {
    if (this.running[loop] || this.stopped) return;
    this.running[loop] = true;
    try {
      const due = this.targets.filter((t) => {
        const state = this.states.get(t.id);
        return state !== undefined && state.healthy === (loop === 'healthy');
      });
      const queue = [...due];
      const workers = Array.from(
        { length: Math.min(this.upstream.healthchecks.active.concurrency, queue.length) },
        async () => {
          for (let target = queue.shift(); target; target = queue.shift())
            await this.probeOne(target);
        },
      );
      await Promise.all(workers);
    } finally {
      this.running[loop] = false;
    }
  }

  private async probeOne(target: TargetEntity): Promise<void> {
    const active = this.upstream.healthchecks.active;
    const { host, port } = parseTargetAddress(target.target);
    const result = await this.deps.probe({
      type: active.type,
      host,
      port,
      timeoutMs: active.timeout * 1000,
      httpPath: active.http_path,
      hostHeader: this.upstream.host_header ?? host,
      headers: active.headers,
      sni: active.https_sni,
      verifyCertificate: active.https_verify_certificate,
      signal: this.aborter.signal,
    });
    this.deps.logger.debug(
      { upstream: this.upstream.name, target: target.target, result },
      'active probe',
    );
    const event = this.classify(result);
    if (event) this.report(target.id, event, 'active');
  }

  private classify(result: ProbeResult): HealthEvent | undefined {
    const { healthy, unhealthy } = this.upstream.healthchecks.active;
    switch (result.kind) {
      case 'connected':
        return 'success';
      case 'status':
        return classifyStatus(result.status, healthy.http_statuses, unhealthy.http_statuses);
      case 'tcp_failure':
        return 'tcp_failure';
      case 'timeout':
        return 'timeout';
    }
  }
}
