import type { LeaseReply } from './contract';
import { sendDrainMark, type DrainMark } from './drain-mark';
import { SdkError, toSdkError } from './errors';
import { selfHealthReport } from './health';
import type {
  DrainOptions,
  DrainResult,
  PauseOptions,
  PauseResult,
  RegistrationEvents,
} from './handle-events';
import {
  decidePause,
  decideResume,
  holdRemainingMs,
  shouldSendDrainMark,
  stateWhileResuming,
  type RegistrationState,
  type ReregistrationCause,
} from './lifecycle';
import type { ResolvedOptions } from './options';
import { RegistryClient } from './registry-client';
import { LeaseKeeper } from './lease-keeper';
import { sleep } from './sleep';
import { WorkCountingEmitter } from './work-counting';

export type {
  DrainOptions,
  DrainResult,
  LeaseLostEvent,
  PauseOptions,
  PauseResult,
  RegistrationEvents,
} from './handle-events';
export type { DrainMarkOutcome, RegistrationState, ReregistrationCause } from './lifecycle';

/**
 * What `register()` returns: keeps the lease alive and reports changes as events. Never throws
 * into your event loop: failures arrive as events and log lines.
 */
export class RegistrationHandle extends WorkCountingEmitter<RegistrationEvents> {
  readonly #options: ResolvedOptions;
  readonly #client: RegistryClient;
  readonly #keeper: LeaseKeeper;
  /** Stops the current run of the lease loop; a new one per `resume()`. */
  #loopStop = new AbortController();
  /** Aborted by `close()`: ends `drain()`'s wait and a pause's retries, and turns `pause()`/`resume()` into no-ops. */
  readonly #closeSignal = new AbortController();
  #state: RegistrationState = 'registering';
  #lease: LeaseReply | undefined;
  #fatal: SdkError | undefined;
  #closing: Promise<void> | undefined;
  #draining: Promise<DrainResult> | undefined;
  /** `pause()` and `resume()` run one after the other, in call order. */
  #transitions: Promise<void> = Promise.resolve();
  /** Set while paused with `drain: true`; cleared by `resume()`. */
  #drainRequested = false;
  #drainMark: DrainMark | undefined;
  /** The draining mark in flight, if any: `close()` lets it land before its own DELETE. */
  #marking: Promise<unknown> = Promise.resolve();
  #reregistrationCause: ReregistrationCause = 'lease-lost';
  readonly #ready: Promise<LeaseReply>;
  #settleReady!: { resolve: (reply: LeaseReply) => void; reject: (err: SdkError) => void };
  readonly #cleanups: (() => void)[] = [];
  #loop: Promise<void> = Promise.resolve();

  /** @internal Use `register()`. */
  constructor(options: ResolvedOptions) {
    super();
    this.#options = options;
    this.#client = new RegistryClient(options);
    this.#keeper = new LeaseKeeper(
      this.#client,
      {
        body: options.body,
        retry: options.retry,
        logger: options.logger,
        refFirstRegistration: options.waitForRegistration,
        ...(options.selfHealth && {
          heartbeatBody: async () => ({ health: await selfHealthReport(options.selfHealth!) }),
        }),
      },
      {
        registered: (reply, first) => this.#onRegistered(reply, first),
        renewed: (reply) => {
          this.#lease = reply;
          this.#emit('heartbeat', reply);
        },
        lost: (reason, error) => {
          this.#state = 'reregistering';
          this.#reregistrationCause = 'lease-lost';
          this.#emit('lost', { reason, error });
        },
        failed: (error) => this.#fail(error),
      },
    );
    this.#ready = new Promise<LeaseReply>((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    // Nobody may be listening (waitForRegistration: false): never an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Service name this instance registers under. */
  get service(): string {
    return this.#options.service;
  }

  /** Instance id used in every registry call. */
  get instanceId(): string {
    return this.#options.instanceId;
  }

  /** Where the handle is in its life (see {@link RegistrationState}). */
  get state(): RegistrationState {
    return this.#state;
  }

  /** The registry's last answer to register or heartbeat, if any. */
  get lease(): LeaseReply | undefined {
    return this.#lease;
  }

  /** True from `drain()` (or `close()`, or `pause({ drain: true })`) on: the health handler answers 503. */
  get isDraining(): boolean {
    const state = this.#state;
    return (
      state === 'draining' || state === 'closed' || (state === 'paused' && this.#drainRequested)
    );
  }

  /** Resolves on the first successful registration; rejects if the handle fails or closes first. */
  whenRegistered(): Promise<LeaseReply> {
    return this.#ready;
  }

  /**
   * Stops heartbeats and deregisters. Idempotent: every call returns the same promise, which
   * never rejects (a failed deregistration is reported by `error`; the lease then simply expires).
   * During `drain()` it cuts the wait short; after `pause()` it removes the instance at once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * Takes the instance out of rotation gracefully: marks it draining in the registry (weight 0 in
   * Kong), makes the health handler answer 503, waits for tracked in-flight requests (at most
   * `timeoutMs`) and at least `holdMs`, then deregisters like `close()`. Idempotent; never rejects.
   */
  drain({
    timeoutMs = this.#options.drainTimeoutMs,
    holdMs = this.#options.drainHoldMs,
  }: DrainOptions = {}): Promise<DrainResult> {
    this.#draining ??= this.#drain(timeoutMs, holdMs);
    return this.#draining;
  }

  /**
   * Stops heartbeats WITHOUT deregistering (say, while a dependency is down). With
   * `drain: true` it also marks the instance draining: weight 0 in Kong, retried like `drain()`'s
   * mark. The lease then runs out unless `resume()` comes first; `close()` deregisters at once.
   * Idempotent; never rejects (a failed mark is logged and reported in the result).
   */
  pause({ drain = false }: PauseOptions = {}): Promise<PauseResult> {
    return this.#serialize(() => this.#pause(drain));
  }

  /**
   * Undoes `pause()`: registers again (a PUT, which also clears a draining mark) and restarts
   * heartbeats. Resolves once the lease loop runs again; `reregistered` (cause `resumed`), or
   * `registered` if it never registered before, reports the PUT. Idempotent; never rejects; a
   * no-op unless paused.
   */
  resume(): Promise<void> {
    return this.#serialize(() => this.#resume());
  }

  /** @internal Starts the background loop; called once by `register()`. */
  start(): void {
    const { signal } = this.#options;
    if (signal) {
      const onAbort = (): void => void this.close();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    if (!this.#closeSignal.signal.aborted) this.#startLoop();
  }

  /** @internal Registers a function run once the handle is closed (signal handlers, listeners). */
  addCleanup(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  #startLoop(): void {
    const stop = new AbortController();
    this.#loopStop = stop;
    this.#loop = this.#keeper
      .run(stop.signal)
      .catch((err: unknown) => this.#reportError(toSdkError(err), 'sdk: background loop failed'));
  }

  #onRegistered(reply: LeaseReply, first: boolean): void {
    this.#lease = reply;
    this.#state = 'registered';
    this.#options.logger.info(first ? 'sdk: registered' : 'sdk: registered again', {
      service: this.service,
      instanceId: this.instanceId,
      heartbeatIntervalSeconds: reply.heartbeatIntervalSeconds,
    });
    if (first) {
      this.#settleReady.resolve(reply);
      this.#emit('registered', reply);
    } else this.#emit('reregistered', reply, this.#reregistrationCause);
  }

  /** Gives up for good: no more requests until the user fixes the token or definition. */
  #fail(error: SdkError): void {
    this.#fatal = error;
    this.#state = 'failed';
    this.#loopStop.abort();
    this.#settleReady.reject(error);
    this.#reportError(error, 'sdk: the registry refused this instance; giving up');
  }

  /** Runs pause/resume steps in call order; each step decides from the state it finds. */
  #serialize<T>(step: () => Promise<T> | T): Promise<T> {
    const next = this.#transitions.then(step);
    this.#transitions = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async #pause(drain: boolean): Promise<PauseResult> {
    const marked = this.#drainMark !== undefined && this.#drainMark.outcome !== 'failed';
    const decision = decidePause(this.#state, drain, marked, this.#closeSignal.signal.aborted);
    if (decision.action === 'ignore') return { state: this.#state };
    if (decision.action === 'pause') {
      this.#state = 'paused';
      this.#drainRequested = drain;
      this.#options.logger.info('sdk: pausing: heartbeats stop, the instance stays registered', {
        drain,
      });
      await this.#halt();
    }
    if (decision.action === 'mark') this.#drainRequested = true;
    if (decision.action !== 'already-paused' && this.#drainRequested) {
      this.#drainMark = await this.#sendDrainMark();
    }
    const result = this.#pauseResult();
    if (decision.action !== 'already-paused' && this.#state === 'paused')
      this.#emit('paused', result);
    return result;
  }

  #pauseResult(): PauseResult {
    const mark = this.#drainRequested ? this.#drainMark : undefined;
    return {
      state: this.#state,
      ...(mark ? { drainMark: mark.outcome } : {}),
      ...(mark?.error ? { error: mark.error } : {}),
    };
  }

  #resume(): void {
    if (decideResume(this.#state, this.#closeSignal.signal.aborted) !== 'resume') return;
    this.#drainRequested = false;
    this.#drainMark = undefined;
    this.#reregistrationCause = 'resumed';
    this.#state = stateWhileResuming(this.#keeper.everRegistered);
    this.#options.logger.info('sdk: resuming: registering again', {
      service: this.service,
      instanceId: this.instanceId,
    });
    this.#emit('resumed');
    this.#startLoop();
  }

  /**
   * `DELETE ...?drain=true` with the one-shot retry policy; never rejects. `close()` stops its
   * retries but lets a request already sent finish, so the mark cannot land after the DELETE.
   */
  #sendDrainMark(): Promise<DrainMark> {
    const marking = sendDrainMark(this.#client, {
      send: shouldSendDrainMark(this.#lease !== undefined, this.#tokenRefused()),
      retries: this.#options.retry.retries,
      signal: this.#closeSignal.signal,
      logger: this.#options.logger,
      fields: { service: this.service, instanceId: this.instanceId },
    });
    this.#marking = marking;
    return marking;
  }

  async #drain(timeoutMs: number, holdMs: number): Promise<DrainResult> {
    if (this.#closing) {
      await this.#closing;
      return { timedOut: false, inFlight: this.inFlight };
    }
    const { logger } = this.#options;
    this.#state = 'draining';
    logger.info('sdk: draining', { inFlight: this.inFlight, timeoutMs, holdMs });
    this.#emit('draining');
    await this.#halt();
    // A pause's mark in flight lands first; a confirmed one (or a 404) need not be sent again.
    await this.#transitions;
    let mark = this.#drainMark?.outcome === 'failed' ? undefined : this.#drainMark;
    // Nothing confirmed registered (registry down so far): skip straight to the final DELETE.
    if (mark === undefined && this.#shouldDeregister() && this.#lease !== undefined) {
      mark = await this.#sendDrainMark();
      if (mark.error && !this.#closeSignal.signal.aborted)
        this.#reportError(mark.error, 'sdk: could not mark the instance draining');
    }
    const cut = this.#closeSignal.signal;
    const markedAt = mark?.outcome === 'marked' ? mark.at : undefined;
    const [idle] = await Promise.all([
      this.waitForIdle(timeoutMs, cut),
      sleep(holdRemainingMs(markedAt, holdMs, Date.now()), { signal: cut, ref: true }),
    ]);
    if (!idle)
      logger.warn('sdk: drain timed out with requests in flight', { inFlight: this.inFlight });
    await this.close();
    return { timedOut: !idle, inFlight: this.inFlight };
  }

  /** Stops the lease loop and waits for its request in flight, if any, to settle. */
  #halt(): Promise<void> {
    this.#loopStop.abort();
    return this.#loop;
  }

  async #shutdown(): Promise<void> {
    this.#closeSignal.abort();
    await this.#transitions;
    await this.#halt();
    await this.#marking;
    if (this.#shouldDeregister()) {
      try {
        await this.#client.deregister(false, { retries: this.#options.retry.retries, ref: true });
        this.#options.logger.info('sdk: deregistered', {
          service: this.service,
          instanceId: this.instanceId,
        });
      } catch (err) {
        this.#reportError(
          toSdkError(err),
          'sdk: deregistration failed; the lease will expire on its own',
        );
      }
    }
    this.#state = 'closed';
    this.#settleReady.reject(
      new SdkError('SDK_ERR_ABORTED', 'the handle was closed before it registered'),
    );
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#emit('closed');
  }

  /** Deregister only if a registration may have reached the registry and the token still works. */
  #shouldDeregister(): boolean {
    return this.#keeper.sentRegistration && !this.#tokenRefused();
  }

  #tokenRefused(): boolean {
    return (
      this.#fatal?.code === 'SDK_ERR_UNAUTHORIZED' || this.#fatal?.code === 'SDK_ERR_FORBIDDEN'
    );
  }

  #reportError(error: SdkError, message: string): void {
    this.#options.logger.error(message, {
      code: error.code,
      statusCode: error.statusCode,
      error: error.message,
    });
    if (this.listenerCount('error') > 0) this.#emit('error', error);
  }

  /** Emits without letting a throwing listener break the SDK's loop. */
  #emit<K extends keyof RegistrationEvents>(event: K, ...args: RegistrationEvents[K]): void {
    try {
      (this.emit as (event: string, ...rest: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.#options.logger.error('sdk: an event listener threw', { event, error: String(err) });
    }
  }
}
