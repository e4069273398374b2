import type { ConsumerEntity, StoreReader } from '../store/types';

/**
 * What a plugin sees of a request and may change before it is proxied. Header names are
 * lowercase; `upstreamHeaders` and `query` are what will be sent to the service.
 */
export interface AuthContext {
  readonly store: StoreReader;
  readonly method: string;
  /** The normalised request path. */
  readonly path: string;
  readonly clientIp: string;
  readonly serviceId: string | null;
  /** Headers a plugin adds to the response sent to the client (e.g. rate-limiting counters). */
  readonly responseHeaders: Record<string, string>;
  /** Every value of every request header, as the client sent them. */
  readonly requestHeaders: Readonly<Record<string, string[] | undefined>>;
  /** Request cookies by name (last one wins). */
  readonly cookies: Readonly<Record<string, string>>;
  /** The request body parsed as JSON or a form, when a plugin asked for it; undefined otherwise. */
  body: Record<string, unknown> | undefined;
  /** Set when a plugin changed the body (key-auth hide_credentials with key_in_body). */
  bodyChanged: boolean;
  upstreamHeaders: Record<string, string | string[] | undefined>;
  query: URLSearchParams;
  consumer: ConsumerEntity | undefined;
  /** The authenticated credential; undefined for the anonymous consumer. */
  credential: { id: string } | undefined;
  /** Seconds since the epoch, injectable for tests. */
  now(): number;
}

/**
 * A response a plugin produces instead of proxying: `error` is `kong.response.error` (format
 * negotiated, request_id included), `exit` is `kong.response.exit` with a compact JSON body.
 */
export type PluginExit =
  | { type: 'error'; status: number; message: string; headers?: Record<string, string> }
  | {
      type: 'exit';
      status: number;
      /** undefined sends an empty body (`kong.response.exit(status)`). */
      body: Record<string, unknown> | undefined;
      headers?: Record<string, string>;
    };

/** A runtime plugin: its access phase either lets the request through or answers it. */
export interface AccessPlugin {
  readonly name: string;
  readonly priority: number;
  /** `pluginId` is the id of the plugin entity whose `config` applies (for per-instance state). */
  access(
    config: Record<string, unknown>,
    ctx: AuthContext,
    pluginId?: string,
  ): PluginExit | undefined;
}
