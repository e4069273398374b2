import { setTimeout as delay } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import {
  defaultInstanceId,
  detectHostAddress,
  type RegistrationHandle,
  type SdkError,
} from '@kong-registry/sdk';
import type { AgentConfig } from './config';
import { runHealthCommand } from './health-command';
import { HealthGate } from './health-gate';
import { probeHealth, type HealthProbe } from './health-probe';
import { openLease, registerOptions } from './lease';
import type { Logger } from './logger';

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
  /** Runs --health-cmd (route-less only). */
  runCommand?: HealthProbe;
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
  readonly #runCommand: HealthProbe;
  readonly #host: string;
  readonly #instanceId: string;
  readonly #stopLoop = new AbortController();
  #state: AgentState = 'waiting';
  /** The one SDK lease, opened on the first healthy streak and kept (paused or not) until stop. */
  #handle: RegistrationHandle | undefined;
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<number> | undefined;
  #hurried = false;
  /** The SDK unrefs its timers; the agent IS the process, so it holds the event loop open. */
  #keepAlive: NodeJS.Timeout | undefined;
  #settle!: (code: number) => void;
  /** Resolves with the exit code once the agent has ended (stopped or failed). */
  readonly finished: Promise<number>;

  constructor(config: AgentConfig, deps: AgentDeps) {
    this.#config = config;
    this.#probe = deps.probe ?? probeHealth;
    this.#runCommand = deps.runCommand ?? runHealthCommand;
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
    // A worker (--no-route) registers at once: its health goes with each heartbeat instead.
    this.#loop =
      this.#config.health && this.#config.route
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
    // close() during drain() ends the SDK's hold at once and deregisters.
    if (this.#handle?.state === 'draining') void this.#handle.close();
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

  /** Registers through the SDK; after a pause, registers again (which clears the draining mark). */
  async #openLease(): Promise<void> {
    if (this.#stopLoop.signal.aborted) return;
    if (this.#handle) {
      this.#state = 'registered';
      await this.#handle.resume();
      return;
    }
    const handle = await openLease(
      registerOptions(this.#config, this.#host, this.#instanceId, this.#selfHealth()),
      () => this.#token(),
      this.#log.child({ component: 'sdk' }),
    );
    this.#handle = handle;
    this.#state = 'registered';
    handle.on('registered', (reply) =>
      this.#log.info({ leaseExpiresAt: reply.leaseExpiresAt }, 'registered'),
    );
    handle.on('heartbeat', (reply) =>
      this.#log.debug({ leaseExpiresAt: reply.leaseExpiresAt }, 'heartbeat'),
    );
    handle.on('lost', ({ reason }) => this.#log.warn({ reason }, 'lease lost: registering again'));
    handle.on('reregistered', (reply, cause) =>
      cause === 'resumed'
        ? this.#log.info(
            { leaseExpiresAt: reply.leaseExpiresAt, undrained: true },
            'healthy again: registered again',
          )
        : this.#log.info('registered again after losing the lease'),
    );
    handle.on('error', (err) => this.#onSdkError(handle, err));
  }

  /**
   * A worker's own health, checked by the SDK before each heartbeat: --health-cmd's exit status,
   * or --health's answer; none without either.
   */
  #selfHealth(): { checks: Record<string, () => Promise<void>>; timeoutMs: number } | undefined {
    const { health, healthCommand, route } = this.#config;
    if (route || (!health && !healthCommand)) return undefined;
    const timeoutMs = healthCommand?.timeoutMs ?? health!.timeoutMs;
    const probe = healthCommand
      ? () => this.#runCommand(healthCommand.command, timeoutMs)
      : () => this.#probe(health!.url, timeoutMs);
    const name = healthCommand ? 'health-cmd' : 'health';
    return {
      // The SDK's own timeout is a backstop: each probe ends by its own first.
      timeoutMs: timeoutMs + 1000,
      checks: {
        [name]: async () => {
          const result = await probe();
          if (!result.ok) {
            this.#log.warn({ error: result.error }, 'health failing: reported with the heartbeat');
            throw new Error(result.error ?? 'failed');
          }
        },
      },
    };
  }

  /**
   * Health failed N times: the SDK stops heartbeats and marks the instance draining (weight 0 in
   * Kong) without deregistering it; `resume()` undoes both when health returns.
   */
  async #pauseLease(failures: number): Promise<void> {
    const handle = this.#handle;
    if (!handle || this.#state !== 'registered') {
      this.#log.warn({ failures }, 'health failing; not registered, nothing to drain');
      return;
    }
    this.#state = 'draining';
    const { drainMark, error } = await handle.pause({ drain: true });
    if (drainMark === 'marked' || drainMark === 'gone') {
      this.#log.warn(
        { failures, outcome: drainMark === 'marked' ? 'done' : 'gone' },
        drainMark === 'marked'
          ? 'health failing: instance marked draining, heartbeats paused'
          : 'health failing: heartbeats paused (the registry no longer had the instance)',
      );
    } else if (drainMark === 'skipped') {
      this.#log.warn(
        { failures },
        'health failing: heartbeats paused (the registry never confirmed the registration)',
      );
    } else {
      this.#log.error(
        { failures, error: error?.message },
        'health failing: could not mark the instance draining; its lease will expire on its own',
      );
    }
  }

  #onSdkError(handle: RegistrationHandle, err: SdkError): void {
    if (handle.state !== 'failed') {
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
    const handle = this.#handle;
    if (!handle) this.#log.info('stopping: not registered, nothing to deregister');
    else if (failed) await handle.close();
    else if (from === 'draining') await this.#deregisterDrained(handle);
    else await this.#drainThroughSdk(handle);
    if (!failed) this.#state = 'stopped';
    clearInterval(this.#keepAlive);
    this.#log.info({ exitCode: failed ? 1 : 0 }, 'agent stopped');
    this.#settle(failed ? 1 : 0);
    return failed ? 1 : 0;
  }

  /**
   * SIGTERM while registered: the SDK's drain (mark draining, hold, deregister). The agent is not
   * in the request path, so the hold is `drainMs` at weight 0: the time Kong needs to stop
   * sending new traffic and let requests in flight finish. A second signal cuts it short.
   */
  async #drainThroughSdk(handle: RegistrationHandle): Promise<void> {
    const { drainMs } = this.#config;
    if (handle.lease === undefined) {
      this.#log.info('stopping: the registry never confirmed the registration; closing');
      await handle.close();
      return;
    }
    this.#log.info({ drainMs }, 'stopping: draining (weight 0), then deregistering');
    const result = await handle.drain({ holdMs: this.#hurried ? 0 : drainMs });
    this.#log.info({ timedOut: result.timedOut }, 'deregistered');
  }

  /** SIGTERM while paused for bad health: already at weight 0, so deregister at once. */
  async #deregisterDrained(handle: RegistrationHandle): Promise<void> {
    const failures: string[] = [];
    const onError = (err: SdkError): number => failures.push(err.message);
    handle.on('error', onError);
    await handle.close();
    handle.off('error', onError);
    if (failures.length === 0) this.#log.info('stopping: deregistered the draining instance');
    else
      this.#log.error(
        { error: failures.join('; ') },
        'stopping: could not deregister; the registry removes it when its drain ends',
      );
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
