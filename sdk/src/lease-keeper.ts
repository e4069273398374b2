import type { HeartbeatRequest, LeaseReply, RegisterRequest } from './contract';
import { heartbeatDelayMs, leaseWindowMs, type RetryPolicy } from './backoff';
import { toSdkError, type SdkError } from './errors';
import { decideAfterHeartbeatFailure, type LeaseLossReason } from './heartbeat-policy';
import type { SdkLogger } from './options';
import type { RegistryClient } from './registry-client';
import { sleep } from './sleep';

/** What the keeper reports to its owner (the handle turns these into state and events). */
export interface LeaseKeeperHooks {
  registered(reply: LeaseReply, first: boolean): void;
  renewed(reply: LeaseReply): void;
  lost(reason: LeaseLossReason, error: SdkError): void;
  /** The registry refused us for good (401, 403, 4xx on register); the loop has ended. */
  failed(error: SdkError): void;
}

/** Settings the keeper needs. */
export interface LeaseKeeperConfig {
  body: Readonly<RegisterRequest>;
  retry: Readonly<RetryPolicy>;
  logger: SdkLogger;
  /** Hold the process open while retrying the first registration (someone awaits it). */
  refFirstRegistration: boolean;
  /** The body of each heartbeat (the instance's own health); none when absent. */
  heartbeatBody?: () => Promise<HeartbeatRequest>;
}

/**
 * The background loop of one instance: register (retrying until it works), then heartbeat at
 * the interval the registry asks for; on a lost lease, register again. One `run()` lasts until
 * its `stop` signal aborts or the registry refuses us for good; `pause()`/`resume()` end one run
 * and start the next, which registers again first. Never rejects.
 */
export class LeaseKeeper {
  readonly #client: RegistryClient;
  readonly #config: LeaseKeeperConfig;
  readonly #hooks: LeaseKeeperHooks;
  #everRegistered = false;
  /** True once a registration request has left: it may have reached the registry. */
  sentRegistration = false;

  constructor(client: RegistryClient, config: LeaseKeeperConfig, hooks: LeaseKeeperHooks) {
    this.#client = client;
    this.#config = config;
    this.#hooks = hooks;
  }

  /** True once any run has registered: a later registration is a re-registration. */
  get everRegistered(): boolean {
    return this.#everRegistered;
  }

  /**
   * Registers, then heartbeats until `stop` aborts. Once `stop` has aborted no hook fires, so
   * the owner's state stays what it set; a request already in flight is let finish.
   */
  async run(stop: AbortSignal): Promise<void> {
    let failures = 0;
    let delayMs = 0;
    let leaseValidUntil = 0;
    let mustRegister = true;
    while (!stop.aborted) {
      if (mustRegister) {
        const sentAt = Date.now();
        const reply = await this.#registerUntilDone(stop);
        if (!reply) return;
        leaseValidUntil = sentAt + leaseWindowMs(reply);
        mustRegister = false;
        failures = 0;
        delayMs = heartbeatDelayMs(reply.heartbeatIntervalSeconds);
        continue;
      }
      await sleep(delayMs, { signal: stop });
      if (stop.aborted) return;
      const body = await this.#config.heartbeatBody?.();
      if (stop.aborted) return;
      const sentAt = Date.now();
      try {
        const reply = await this.#client.heartbeat(
          { retries: 0, signal: stop, abortInFlight: false },
          body,
        );
        if (stop.aborted) return;
        leaseValidUntil = sentAt + leaseWindowMs(reply);
        failures = 0;
        delayMs = heartbeatDelayMs(reply.heartbeatIntervalSeconds);
        this.#hooks.renewed(reply);
      } catch (err) {
        if (stop.aborted) return;
        const error = toSdkError(err);
        failures++;
        const decision = decideAfterHeartbeatFailure(
          error,
          failures,
          Date.now(),
          leaseValidUntil,
          this.#config.retry,
        );
        if (decision.action === 'stop') return this.#hooks.failed(error);
        if (decision.action === 'retry') {
          this.#config.logger.warn('sdk: heartbeat failed, retrying', {
            code: error.code,
            delayMs: decision.delayMs,
          });
          delayMs = decision.delayMs;
          continue;
        }
        this.#config.logger.warn('sdk: lease lost, registering again', {
          reason: decision.reason,
          code: error.code,
        });
        this.#hooks.lost(decision.reason, error);
        mustRegister = true;
      }
    }
  }

  /** Registers, retrying retryable errors until it works or `stop` aborts. */
  async #registerUntilDone(stop: AbortSignal): Promise<LeaseReply | undefined> {
    const { logger } = this.#config;
    const first = !this.#everRegistered;
    this.sentRegistration = true;
    try {
      const reply = await this.#client.register(this.#config.body, {
        retries: Infinity,
        signal: stop,
        abortInFlight: false,
        ref: first && this.#config.refFirstRegistration,
        onRetry: (error, attempt, delayMs) =>
          logger.warn('sdk: registration failed, retrying', { code: error.code, attempt, delayMs }),
      });
      if (stop.aborted) return undefined;
      this.#everRegistered = true;
      this.#hooks.registered(reply, first);
      return reply;
    } catch (err) {
      if (!stop.aborted) this.#hooks.failed(toSdkError(err));
      return undefined;
    }
  }
}
