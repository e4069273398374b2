import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { LeaseReply } from './contract';
import { SdkError, toSdkError } from './errors';
import type { LeaseLossReason } from './heartbeat-policy';
import { InFlightTracker, type TrackableResponse } from './in-flight';
import type { ResolvedOptions } from './options';
import { RegistryClient } from './registry-client';
import { LeaseKeeper } from './lease-keeper';

/**
 * Life of a handle:
 * `registering` → `registered` ⇄ `reregistering` (lease lost) → `draining` → `closed`;
 * `failed` when the registry refuses us for good (401, 403, or a 4xx on register).
 */
export type RegistrationState =
  'registering' | 'registered' | 'reregistering' | 'draining' | 'closed' | 'failed';

/** Payload of the `lost` event. */
export interface LeaseLostEvent {
  reason: LeaseLossReason;
  error: SdkError;
}

/** Result of `drain()`. */
export interface DrainResult {
  /** True when `timeoutMs` passed with requests still in flight. */
  timedOut: boolean;
  /** Requests still in flight when the instance was deregistered. */
  inFlight: number;
}

/** Events of a {@link RegistrationHandle}, with their arguments. */
export interface RegistrationEvents {
  /** First successful registration. */
  registered: [reply: LeaseReply];
  /** A heartbeat renewed the lease. */
  heartbeat: [reply: LeaseReply];
  /** The lease is gone (404, or expired while the registry was unreachable); registering again now. */
  lost: [event: LeaseLostEvent];
  /** Registered again after `lost`. */
  reregistered: [reply: LeaseReply];
  /**
   * Something needs a human: 401/403 (the handle stops, state `failed`), a 4xx on register, or a
   * deregistration that failed on close. Without a listener these are only logged, never thrown.
   */
  error: [error: SdkError];
  /** `drain()` started: the health handler answers 503 from now on. */
  draining: [];
  /** Heartbeats stopped and the instance was deregistered (or deregistration was given up). */
  closed: [];
}

/**
 * What `register()` returns: keeps the lease alive and reports changes as events. Never throws
 * into your event loop: failures arrive as events and log lines.
 */
export class RegistrationHandle extends EventEmitter<RegistrationEvents> {
  readonly #options: ResolvedOptions;
  readonly #client: RegistryClient;
  readonly #keeper: LeaseKeeper;
  readonly #stop = new AbortController();
  readonly #inFlight = new InFlightTracker();
  #state: RegistrationState = 'registering';
  #lease: LeaseReply | undefined;
  #fatal: SdkError | undefined;
  #closing: Promise<void> | undefined;
  #draining: Promise<DrainResult> | undefined;
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
      },
      this.#stop.signal,
      {
        registered: (reply, first) => this.#onRegistered(reply, first),
        renewed: (reply) => {
          this.#lease = reply;
          this.#emit('heartbeat', reply);
        },
        lost: (reason, error) => {
          this.#state = 'reregistering';
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

  /** True from `drain()` (or `close()`) on: the health handler answers 503. */
  get isDraining(): boolean {
    return this.#state === 'draining' || this.#state === 'closed';
  }

  /** Requests in flight, as counted by `track()`, `trackRequests()`, `trackServer()` or `begin()`. */
  get inFlight(): number {
    return this.#inFlight.count;
  }

  /** Resolves on the first successful registration; rejects if the handle fails or closes first. */
  whenRegistered(): Promise<LeaseReply> {
    return this.#ready;
  }

  /** Counts one request until its response finishes or closes (for `drain()`). */
  track(_req: unknown, res: TrackableResponse): void {
    this.#inFlight.track(res);
  }

  /** Express/Connect middleware that counts every request passing through it. */
  trackRequests(): (req: unknown, res: TrackableResponse, next: () => void) => void {
    return (req, res, next) => {
      this.track(req, res);
      next();
    };
  }

  /** Counts every request a Node `http.Server` (also what `app.listen()` returns) receives. */
  trackServer<S extends Pick<Server, 'on'>>(server: S): S {
    server.on('request', (req: IncomingMessage, res: TrackableResponse) => this.track(req, res));
    return server;
  }

  /** Counts non-HTTP work (a queue job, a stream); call the returned function when it ends. */
  begin(): () => void {
    return this.#inFlight.begin();
  }

  /**
   * Stops heartbeats and deregisters. Idempotent: every call returns the same promise, which
   * never rejects (a failed deregistration is reported by `error`; the lease then simply expires).
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * Takes the instance out of rotation gracefully: marks it draining in the registry (weight 0 in
   * Kong), makes the health handler answer 503, waits for tracked in-flight requests (or
   * `timeoutMs`), then deregisters like `close()`. Idempotent; never rejects.
   */
  drain({
    timeoutMs = this.#options.drainTimeoutMs,
  }: { timeoutMs?: number } = {}): Promise<DrainResult> {
    this.#draining ??= this.#drain(timeoutMs);
    return this.#draining;
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
    this.#loop = this.#keeper
      .run()
      .catch((err: unknown) => this.#reportError(toSdkError(err), 'sdk: background loop failed'));
  }

  /** @internal Registers a function run once the handle is closed (signal handlers, listeners). */
  addCleanup(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
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
    } else this.#emit('reregistered', reply);
  }

  /** Gives up for good: no more requests until the user fixes the token or definition. */
  #fail(error: SdkError): void {
    this.#fatal = error;
    this.#state = 'failed';
    this.#stop.abort();
    this.#settleReady.reject(error);
    this.#reportError(error, 'sdk: the registry refused this instance; giving up');
  }

  async #drain(timeoutMs: number): Promise<DrainResult> {
    if (this.#closing) {
      await this.#closing;
      return { timedOut: false, inFlight: this.inFlight };
    }
    const { logger, retry } = this.#options;
    this.#state = 'draining';
    logger.info('sdk: draining', { inFlight: this.inFlight, timeoutMs });
    this.#emit('draining');
    await this.#halt();
    // Nothing confirmed registered (registry down so far): skip straight to the final DELETE.
    if (this.#shouldDeregister() && this.#lease !== undefined) {
      await this.#client
        .deregister(true, { retries: retry.retries, ref: true })
        .catch((err: unknown) =>
          this.#reportError(toSdkError(err), 'sdk: could not mark the instance draining'),
        );
    }
    const idle = await this.#inFlight.waitForIdle(timeoutMs);
    if (!idle)
      logger.warn('sdk: drain timed out with requests in flight', { inFlight: this.inFlight });
    await this.close();
    return { timedOut: !idle, inFlight: this.inFlight };
  }

  /** Stops the lease loop and waits for its request in flight, if any, to settle. */
  #halt(): Promise<void> {
    this.#stop.abort();
    return this.#loop;
  }

  async #shutdown(): Promise<void> {
    await this.#halt();
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
    const authFailure =
      this.#fatal?.code === 'SDK_ERR_UNAUTHORIZED' || this.#fatal?.code === 'SDK_ERR_FORBIDDEN';
    return this.#keeper.sentRegistration && !authFailure;
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
