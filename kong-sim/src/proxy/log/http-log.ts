/**
 * http-log's log phase (K:kong/plugins/http-log/handler.lua): each entry, JSON-encoded, is queued
 * and sent to `http_endpoint` with the configured method and content type, one entry per body
 * when `max_batch_size` is 1, else a JSON array. The queue (./log-queue.ts) is named after the
 * plugin's legacy settings, so instances that send alike share one.
 */
import http from 'node:http';
import https from 'node:https';
import { parseSocketUrl } from '../../schema/socket-url';
import type { Row } from '../../schema/types';
import type { LogQueues, QueueSettings } from './log-queue';

/** Kong's queue name for an http-log config (`make_queue_name`, which formats six of its fields). */
export function queueName(config: Row): string {
  const show = (v: unknown): string => (v === null || v === undefined ? 'nil' : String(v));
  return ['http_endpoint', 'method', 'content_type', 'timeout', 'keepalive', 'retry_count']
    .map((field) => show(config[field]))
    .join(':');
}

/**
 * The queue settings of a config: `config.queue`, with the legacy `queue_size` and
 * `flush_timeout` winning when set to other than their old defaults (`Queue.get_plugin_params`).
 */
export function queueSettings(config: Row): QueueSettings {
  const queue = (config.queue ?? {}) as Row;
  const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
  const legacySize = config.queue_size;
  const legacyFlush = config.flush_timeout;
  return {
    maxBatchSize:
      typeof legacySize === 'number' && legacySize !== 1
        ? legacySize
        : num(queue.max_batch_size, 1),
    maxCoalescingDelay:
      typeof legacyFlush === 'number' && legacyFlush !== 2
        ? legacyFlush
        : num(queue.max_coalescing_delay, 1),
    maxEntries: num(queue.max_entries, 10000),
    maxRetryTime: num(queue.max_retry_time, 60),
    initialRetryDelay: num(queue.initial_retry_delay, 0.01),
    maxRetryDelay: num(queue.max_retry_delay, 60),
    concurrencyLimit: queue.concurrency_limit === -1 ? -1 : 1,
  };
}

/** The request body of a batch: the entry itself for batches of one, else a JSON array. */
export function batchBody(entries: readonly string[], maxBatchSize: number): string {
  return maxBatchSize === 1 ? (entries[0] ?? '') : `[${entries.join(',')}]`;
}

/**
 * Sends one batch (`send_entries`). The URL is rebuilt from scheme, host, port and path only: a
 * query string in `http_endpoint` is not sent. User info becomes Basic authorization; configured
 * headers never replace Content-Type, Content-Length or that Authorization. TLS is not verified.
 */
export function sendBatch(config: Row, body: string): Promise<string | undefined> {
  const url = parseSocketUrl(String(config.http_endpoint)) ?? {};
  const secure = url.scheme === 'https';
  const port = Number(url.port ?? (secure ? 443 : 80));
  const headers: Record<string, string> = {
    'Content-Type': String(config.content_type),
    'Content-Length': String(Buffer.byteLength(body)),
  };
  if (url.userinfo !== undefined)
    headers.Authorization = `Basic ${Buffer.from(url.userinfo).toString('base64')}`;
  for (const [name, value] of Object.entries((config.headers ?? {}) as Record<string, string>))
    headers[name] ??= value;
  const timeout = Number(config.timeout);
  return new Promise((resolve) => {
    const request = (secure ? https : http).request(
      {
        host: url.host,
        port,
        path: url.path ?? '/',
        method: String(config.method),
        headers,
        timeout,
        ...(secure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => resolve(`failed request to ${url.host}:${port}: ${err.message}`));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(
            status < 300
              ? undefined
              : `request to ${url.host}:${port} returned status code ${status} and body ${Buffer.concat(chunks).toString()}`,
          );
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (err) => resolve(`failed request to ${url.host}:${port}: ${err.message}`));
    request.end(body);
  });
}

/** Queues one entry for an http-log plugin instance. */
export function logOverHttp(queues: LogQueues, config: Row, entryJson: string): void {
  const settings = queueSettings(config);
  queues.enqueue(queueName(config), entryJson, settings, (entries) =>
    sendBatch(config, batchBody(entries, settings.maxBatchSize)),
  );
}
