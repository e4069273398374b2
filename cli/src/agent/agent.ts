import { setTimeout as delay } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { defaultInstanceId, detectHostAddress, type SdkError } from '@kong-registry/sdk';
import type { AgentConfig } from './config';
import { HealthGate } from './health-gate';
import { probeHealth, type HealthProbe } from './health-probe';
import { openLease, registerOptions, type Lease } from './lease';
import type { Logger } from './logger';
import { deregister, markDraining, type FallbackTarget } from './registry-fallback';

/**
 * Where the agent is:
 * `waiting` (no lease: health not yet good) → `registered` (the SDK holds the lease) →
 * `draining` (health failed N times: weight 0, no heartbeats) → `registered` again on recovery;
 * `stopping` → `stopped` on SIGTERM; `failed` when the registry refuses us for good.
 */
export type AgentState = 'waiting' | 'registered' | 'draining' | 'stopping' | 'stopped' | 'failed';

/** Seams for tests: how to probe and where to read the token. */
export interface AgentDeps {
  logger: Logger;
  probe?: HealthProbe;
}

/**
 * The registration agent: registers an instance of ANY process with the registry through the
 * SDK, while its health URL says it is healthy. Serial by design: one probe, then whatever
 * transition it causes, then the next probe, so a slow registry never overlaps two transitions.
 */
export class RegistrationAgent {
  readonly #config: AgentConfig;
  readonly #log: Logger;
  readonly #probe: HealthProbe;
  readonly #host: string;
  readonly #instanceId: string;
  readonly #stopLoop = new AbortController();
  #state: AgentState = 'waiting';
  #lease: Lease | undefined;
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<number> | undefined;
  #releaseDrainHold: (() => void) | undefined;
  #hurried = false;
  /** The SDK unrefs its timers; the agent IS the process, so it holds the event loop open. */
  #keepAlive: NodeJS.Timeout | undefined;
  #settle!: (code: number) => void;
  /** Resolves with the exit code once the agent has ended (stopped or failed). */
  readonly finished: Promise<number>;

  constructor(config: AgentConfig, deps: AgentDeps) {
    this.#config = config;
    this.#probe = deps.probe ?? probeHealth;
    this.#host = config.host ?? detectHostAddress() ?? '127.0.0.1';
    this.#instanceId = config.instanceId ?? defaultInstanceId(this.#host, config.port);
    this.#log = deps.logger.child({ instanceId: this.#instanceId });
    this.finished = new Promise((resolve) => (this.#settle = resolve));
  }

  /** Current state (see {@link AgentState}). */
  get state(): AgentState {
    return this.#state;
  }

  /** The instance id used in every registry call. */
  get instanceId(): string {
    return this.#instanceId;
  }

  /** Starts probing (or, without a health URL, registers at once). */
  start(): void {
    this.#keepAlive = setInterval(() => undefined, 0x7fffffff);
    this.#log.info(
      { host: this.#host, health: this.#config.health?.url ?? null },
      this.#config.health ? 'agent started: waiting for the health URL' : 'agent started',
    );
    this.#loop = this.#config.health
      ? this.#healthLoop().catch((err: unknown) => this.#crash(err))
      : this.#openLease().catch((err: unknown) => this.#crash(err));
  }

  /**
   * Graceful stop (SIGTERM): a registered instance is drained through the SDK (weight 0 for
   * `drainMs`, then deregistered); one already draining is deregistered. Idempotent; resolves
   * with the exit code, 0 unless the agent had failed.
   */
  stop(): Promise<number> {
    return this.#end(0);
  }

  /** A second signal: cut the drain wait short (the DELETE still happens). */
  hurry(): void {
    this.#log.warn('second signal: skipping the rest of the drain wait');
    this.#hurried = true;
    this.#releaseDrainHold?.();
  }

  async #healthLoop(): Promise<void> {
    const health = this.#config.health!;
    const gate = new HealthGate({
      healthy: health.healthyThreshold,
      unhealthy: health.unhealthyThreshold,
    });
    const signal = this.#stopLoop.signal;
    while (!signal.aborted) {
      const result = await this.#probe(health.url, health.timeoutMs);
      if (signal.aborted) return;
      const transition = gate.record(result.ok);
      if (!result.ok) {
        // Loud while it can still cost traffic; quiet once the instance is out of rotation.
        const level =
          this.#state === 'registered' ? 'warn' : this.#state === 'waiting' ? 'info' : 'debug';
        this.#log[level](
          { status: result.status, error: result.error, failures: gate.failures },
          'health probe failed',
        );
      } else this.#log.debug({ status: result.status }, 'health probe ok');
      if (transition === 'became-healthy') await this.#openLease();
      if (transition === 'became-unhealthy') await this.#pauseLease(gate.failures);
      await delay(health.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Registers (or registers again, which also clears a draining mark) through the SDK. */
  async #openLease(): Promise<void> {
    if (this.#stopLoop.signal.aborted || this.#lease) return;
    const lease = await openLease(
      registerOptions(this.#config, this.#host, this.#instanceId),
      () => this.#token(),
      this.#log.child({ component: 'sdk' }),
    );
    this.#lease = lease;
    const { handle } = lease;
    const wasDraining = this.#state === 'draining';
    this.#state = 'registered';
    handle.on('registered', (reply) =>
      this.#log.info(
        { leaseExpiresAt: reply.leaseExpiresAt, undrained: wasDraining },
        wasDraining ? 'healthy again: registered again' : 'registered',
      ),
    );
    handle.on('heartbeat', (reply) =>
      this.#log.debug({ leaseExpiresAt: reply.leaseExpiresAt }, 'heartbeat'),
    );
    handle.on('lost', ({ reason }) => this.#log.warn({ reason }, 'lease lost: registering again'));
    handle.on('reregistered', () => this.#log.info('registered again after losing the lease'));
    handle.on('error', (err) => this.#onSdkError(lease, err));
  }

  /**
   * Health failed N times: stop heartbeats and mark the instance draining (weight 0 in Kong),
   * without deregistering. WORKAROUND: both steps bypass the SDK (see registry-fallback.ts).
   */
  async #pauseLease(failures: number): Promise<void> {
    const lease = this.#lease;
    if (!lease) {
      this.#log.warn({ failures }, 'health failing; not registered, nothing to drain');
      return;
    }
    this.#lease = undefined;
    this.#state = 'draining';
    await lease.abandon();
    try {
      const outcome = await markDraining(this.#fallbackTarget());
      this.#log.warn(
        { failures, outcome },
        outcome === 'done'
          ? 'health failing: instance marked draining, heartbeats paused'
          : 'health failing: heartbeats paused (the registry no longer had the instance)',
      );
    } catch (err) {
      this.#log.error(
        { failures, error: (err as Error).message },
        'health failing: could not mark the instance draining; its lease will expire on its own',
      );
    }
  }

  #onSdkError(lease: Lease, err: SdkError): void {
    if (lease.abandoned) return;
    if (lease.handle.state !== 'failed') {
      this.#log.warn({ code: err.code, error: err.message }, 'registry call failed');
      return;
    }
    this.#log.fatal(
      { code: err.code, registryCode: err.registryCode, statusCode: err.statusCode },
      `the registry refused this instance: ${err.message}; stopping`,
    );
    this.#state = 'failed';
    void this.#end(1);
  }

  /** Runs the shutdown once, whoever asks first (a signal or a fatal error). */
  #end(code: number): Promise<number> {
    this.#stopping ??= this.#shutdown(code);
    return this.#stopping;
  }

  async #shutdown(code: number): Promise<number> {
    const failed = this.#state === 'failed' || code !== 0;
    const from = this.#state;
    this.#state = failed ? 'failed' : 'stopping';
    this.#stopLoop.abort();
    await this.#loop;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease && !failed) await this.#drainThroughSdk(lease);
    else if (lease) await lease.handle.close();
    else if (from === 'draining') await this.#deregisterDrained();
    else this.#log.info('stopping: not registered, nothing to deregister');
    if (!failed) this.#state = 'stopped';
    clearInterval(this.#keepAlive);
    this.#log.info({ exitCode: failed ? 1 : 0 }, 'agent stopped');
    this.#settle(failed ? 1 : 0);
    return failed ? 1 : 0;
  }

  /**
   * SIGTERM while registered: the SDK's drain (mark draining, wait, deregister). The agent is not
   * in the request path, so it holds one "request" of its own for `drainMs`: the time Kong needs
   * to stop sending new traffic and let requests in flight finish.
   */
  async #drainThroughSdk(lease: Lease): Promise<void> {
    const { drainMs } = this.#config;
    if (lease.handle.lease === undefined) {
      this.#log.info('stopping: the registry never confirmed the registration; closing');
      await lease.handle.close();
      return;
    }
    this.#log.info({ drainMs }, 'stopping: draining (weight 0), then deregistering');
    const done = lease.handle.begin();
    const timer = setTimeout(done, this.#hurried ? 0 : drainMs);
    this.#releaseDrainHold = () => {
      clearTimeout(timer);
      done();
    };
    const result = await lease.handle.drain();
    this.#releaseDrainHold();
    this.#log.info({ timedOut: result.timedOut }, 'deregistered');
  }

  /** SIGTERM while paused: the SDK no longer holds the lease. WORKAROUND: a direct DELETE. */
  async #deregisterDrained(): Promise<void> {
    try {
      const outcome = await deregister(this.#fallbackTarget());
      this.#log.info({ outcome }, 'stopping: deregistered the draining instance');
    } catch (err) {
      this.#log.error(
        { error: (err as Error).message },
        'stopping: could not deregister; the registry removes it when its drain ends',
      );
    }
  }

  #fallbackTarget(): FallbackTarget {
    return {
      registryUrl: this.#config.registryUrl,
      service: this.#config.service,
      instanceId: this.#instanceId,
      token: () => this.#token(),
      timeoutMs: 5_000,
    };
  }

  /** Read before every request, so a token re-minted into the file is picked up without restart. */
  async #token(): Promise<string> {
    const source = this.#config.token;
    return source.kind === 'value' ? source.value : (await readFile(source.path, 'utf8')).trim();
  }

  #crash(err: unknown): void {
    this.#log.fatal({ error: (err as Error).message }, 'agent failed');
    this.#state = 'failed';
    void this.#end(1);
  }
}
