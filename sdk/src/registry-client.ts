import type { ErrorBody, HeartbeatRequest, LeaseReply, RegisterRequest } from './contract';
import { computeBackoffMs, parseRetryAfterMs, type RetryPolicy } from './backoff';
import { SdkError, toSdkError } from './errors';
import { readErrorBody } from './rules';
import type { SdkLogger } from './options';
import { sleep } from './sleep';

/** What the client needs to talk to the registry about one instance. */
export interface RegistryClientConfig {
  /** Registry URL used when `baseUrls` is absent or empty. */
  baseUrl: string;
  /** Registry replicas, tried round-robin: a network error, timeout or 5xx moves to the next. */
  baseUrls?: readonly string[];
  token: () => string | Promise<string>;
  service: string;
  instanceId: string;
  requestTimeoutMs: number;
  retry: Readonly<RetryPolicy>;
  logger: SdkLogger;
}

/** Per-call knobs: how many retries, and what stops them. */
export interface CallOptions {
  /** Retries after the first attempt; `Infinity` retries until `signal` aborts. */
  retries: number;
  /** Stops retrying: ends any wait between attempts and, unless `abortInFlight` is false, the request in flight. */
  signal?: AbortSignal;
  /**
   * Abort a request already sent when `signal` fires. The lease loop says false: an aborted PUT
   * may still land in the registry after our DELETE, so it lets the request finish (bounded by
   * `requestTimeoutMs`) before deregistering. @default true
   */
  abortInFlight?: boolean;
  /** Keep the process alive while waiting between attempts (someone awaits the result). */
  ref?: boolean;
  /** Called before each wait, so the caller can log or count. */
  onRetry?: (error: SdkError, attempt: number, delayMs: number) => void;
}

function mapStatus(
  status: number,
  body: Partial<ErrorBody>,
  retryAfterMs: number | undefined,
): SdkError {
  const registryCode = typeof body.code === 'string' ? body.code : undefined;
  const said = typeof body.message === 'string' ? `: ${body.message}` : '';
  const details = { statusCode: status, registryCode, retryAfterMs };
  if (status === 401)
    return new SdkError(
      'SDK_ERR_UNAUTHORIZED',
      `the registry refused the token (401${said})`,
      details,
    );
  if (status === 403)
    return new SdkError('SDK_ERR_FORBIDDEN', `the token may not do this (403${said})`, details);
  if (status === 408 || status === 429 || status >= 500) {
    return new SdkError(
      'SDK_ERR_REGISTRY_UNAVAILABLE',
      `the registry answered ${status}${said}`,
      details,
    );
  }
  return new SdkError(
    'SDK_ERR_REJECTED',
    `the registry rejected the request (${status} ${registryCode ?? ''}${said})`,
    details,
  );
}

/**
 * True when the next attempt should go to another replica: the replica did not answer (network
 * error, timeout) or answered 5xx. A 4xx (and 408/429, which ask us to slow down) is the
 * registry's verdict, shared by every replica through Redis, so it is not tried elsewhere.
 */
export function shouldFailOver(error: SdkError): boolean {
  if (error.code === 'SDK_ERR_TIMEOUT') return true;
  if (error.code !== 'SDK_ERR_REGISTRY_UNAVAILABLE') return false;
  return error.statusCode === undefined || error.statusCode >= 500;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}

/**
 * A tiny typed client for the three calls an instance makes. Only PUT and DELETE are used, and
 * both are idempotent, so every call may be retried on network errors, timeouts, 429 and 5xx,
 * and with several replicas a retry may safely land on another one (see {@link shouldFailOver}).
 */
export class RegistryClient {
  readonly #config: RegistryClientConfig;
  readonly #instancePath: string;
  readonly #urls: readonly string[];
  /** Index in `#urls` of the replica requests go to; shared by every call of this client. */
  #current = 0;

  constructor(config: RegistryClientConfig) {
    this.#config = config;
    this.#urls = config.baseUrls && config.baseUrls.length > 0 ? config.baseUrls : [config.baseUrl];
    this.#instancePath =
      `/v1/services/${encodeURIComponent(config.service)}` +
      `/instances/${encodeURIComponent(config.instanceId)}`;
  }

  /** `PUT /v1/services/{service}/instances/{instanceId}`: register or refresh. */
  register(body: RegisterRequest, options: CallOptions): Promise<LeaseReply> {
    return this.#call('PUT', this.#instancePath, body, options) as Promise<LeaseReply>;
  }

  /** `PUT .../heartbeat`: renew the lease (404 when the lease is gone), with the own health if given. */
  heartbeat(options: CallOptions, body?: HeartbeatRequest): Promise<LeaseReply> {
    return this.#call(
      'PUT',
      `${this.#instancePath}/heartbeat`,
      body,
      options,
    ) as Promise<LeaseReply>;
  }

  /** `DELETE .../instances/{instanceId}` (`?drain=true` marks it draining first). A 404 counts as done. */
  async deregister(drain: boolean, options: CallOptions): Promise<void> {
    await this.#delete(drain, options);
  }

  /**
   * `DELETE .../instances/{instanceId}?drain=true`: weight 0 in Kong, still registered. Resolves
   * `gone` on 404 (the registry no longer has the instance), so the caller can tell.
   */
  async markDraining(options: CallOptions): Promise<'marked' | 'gone'> {
    return (await this.#delete(true, options)) === 'done' ? 'marked' : 'gone';
  }

  async #delete(drain: boolean, options: CallOptions): Promise<'done' | 'gone'> {
    try {
      await this.#call(
        'DELETE',
        `${this.#instancePath}${drain ? '?drain=true' : ''}`,
        undefined,
        options,
      );
      return 'done';
    } catch (err) {
      if ((err as SdkError).statusCode !== 404) throw err;
      return 'gone';
    }
  }

  async #call(method: string, path: string, body: unknown, options: CallOptions): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const used = this.#current;
      try {
        return await this.#once(
          this.#urls[used] ?? this.#config.baseUrl,
          method,
          path,
          body,
          options.abortInFlight === false ? undefined : options.signal,
        );
      } catch (err) {
        const error = toSdkError(err);
        // Move on even when this call gives up, so the next one (the lease loop's next heartbeat,
        // the DELETE of close()) goes to the next replica; but not when our own abort cut the
        // request short, which says nothing about the replica.
        const cutShort = options.signal?.aborted === true && options.abortInFlight !== false;
        if (shouldFailOver(error) && !cutShort) this.#moveOn(used, error);
        if (options.signal?.aborted)
          throw new SdkError('SDK_ERR_ABORTED', undefined, { cause: error });
        if (!error.retryable || attempt >= options.retries) throw error;
        const delayMs = computeBackoffMs(
          attempt,
          this.#config.retry,
          Math.random,
          error.retryAfterMs,
        );
        options.onRetry?.(error, attempt + 1, delayMs);
        await sleep(delayMs, { signal: options.signal, ref: options.ref ?? false });
        if (options.signal?.aborted)
          throw new SdkError('SDK_ERR_ABORTED', undefined, { cause: error });
      }
    }
  }

  /** Moves to the replica after `used`, unless a concurrent call has already moved on. */
  #moveOn(used: number, error: SdkError): void {
    if (this.#urls.length < 2 || this.#current !== used) return;
    this.#current = (used + 1) % this.#urls.length;
    this.#config.logger.warn('sdk: registry replica failed, trying the next one', {
      failed: this.#urls[used],
      next: this.#urls[this.#current],
      code: error.code,
      statusCode: error.statusCode,
    });
  }

  async #once(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { requestTimeoutMs, logger } = this.#config;
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const token = await this.#config.token();
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        throw new SdkError(
          'SDK_ERR_TIMEOUT',
          `${method} ${path}: no answer within ${requestTimeoutMs} ms`,
          { cause: err },
        );
      }
      throw toSdkError(err);
    }
    const payload = await readJson(response).catch((err: unknown) => {
      throw toSdkError(err, timeout.aborted ? 'SDK_ERR_TIMEOUT' : 'SDK_ERR_REGISTRY_UNAVAILABLE');
    });
    logger.debug('sdk: registry answered', { method, path, status: response.status });
    if (response.ok) {
      if (
        method === 'PUT' &&
        (typeof payload !== 'object' || payload === null || !('instance' in payload))
      ) {
        throw new SdkError(
          'SDK_ERR_BAD_RESPONSE',
          `${method} ${path}: the reply has no "instance"`,
          {
            statusCode: response.status,
          },
        );
      }
      return payload;
    }
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
    throw mapStatus(response.status, readErrorBody(payload), retryAfterMs);
  }
}
