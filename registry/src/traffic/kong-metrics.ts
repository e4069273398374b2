/**
 * Request and error rates per service from Kong's prometheus plugin. Pure: the plugin's text
 * format in, counters and rates out; ./kong-traffic.ts reads the endpoints.
 *
 * Kong 3.x exports `kong_http_requests_total{service, route, code, source, workspace, consumer}`
 * (with the plugin's `status_code_metrics` on). The controller names each Kong service after its
 * registry service, so the `service` label is the registry's name. An error is a 5xx answer,
 * whether the service sent it or Kong did (502/503/504 when no target answered).
 */

export const KONG_REQUESTS_METRIC = 'kong_http_requests_total';

export interface ServiceCounters {
  requests: number;
  errors: number;
}

/** One read of Kong's counters (summed over every Kong node read). */
export interface Reading {
  atMs: number;
  counters: Map<string, ServiceCounters>;
}

/** A service's traffic as `GET /v1/traffic` returns it. */
export interface ServiceTraffic {
  service: string;
  /** Kong's counters as last read (since each Kong node started). */
  requests: number;
  errors: number;
  /** Averaged over the reply's window; null until two reads span one. */
  requestsPerSecond: number | null;
  errorsPerSecond: number | null;
}

/** `GET /v1/traffic`. */
export interface TrafficReply {
  /** False when the registry knows no Kong metrics endpoint (REGISTRY_KONG_METRICS_URL). */
  configured: boolean;
  /** When Kong was last read. */
  at: string | null;
  /** Seconds the rates are averaged over; null until there are two reads. */
  windowSeconds: number | null;
  services: ServiceTraffic[];
  /** Why the last read failed, when it did. */
  problem?: string;
}

const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** `name{labels} value [timestamp]` of one sample line, or undefined for any other line. */
function parseSample(
  line: string,
): { name: string; labels: Record<string, string>; value: number } | undefined {
  const brace = line.indexOf('{');
  const close = line.lastIndexOf('}');
  if (brace < 0 || close < brace) return undefined;
  const labels: Record<string, string> = {};
  for (const [, key, value] of line.slice(brace + 1, close).matchAll(LABEL))
    labels[key!] = unescape(value!);
  const value = Number(
    line
      .slice(close + 1)
      .trim()
      .split(/\s+/)[0],
  );
  return Number.isFinite(value) ? { name: line.slice(0, brace), labels, value } : undefined;
}

/** Requests and 5xx answers per Kong service, summed over routes, codes and consumers. */
export function parseKongRequests(text: string): Map<string, ServiceCounters> {
  const counters = new Map<string, ServiceCounters>();
  for (const raw of text.split('\n')) {
    if (!raw.startsWith(`${KONG_REQUESTS_METRIC}{`)) continue;
    const sample = parseSample(raw.trim());
    const service = sample?.labels.service;
    if (!sample || sample.name !== KONG_REQUESTS_METRIC || !service) continue;
    const entry = counters.get(service) ?? { requests: 0, errors: 0 };
    entry.requests += sample.value;
    if (/^5\d\d$/.test(sample.labels.code ?? '')) entry.errors += sample.value;
    counters.set(service, entry);
  }
  return counters;
}

/** The counters of several Kong nodes, added up. */
export function sumCounters(
  all: readonly Map<string, ServiceCounters>[],
): Map<string, ServiceCounters> {
  const sum = new Map<string, ServiceCounters>();
  for (const counters of all)
    for (const [service, { requests, errors }] of counters) {
      const entry = sum.get(service) ?? { requests: 0, errors: 0 };
      entry.requests += requests;
      entry.errors += errors;
      sum.set(service, entry);
    }
  return sum;
}

/** Growth of a counter; a drop means Kong restarted, so it counted from 0 again. */
function growth(before: number | undefined, after: number): number {
  return before === undefined || after < before ? after : after - before;
}

const perSecond = (count: number, seconds: number): number =>
  Math.round((count / seconds) * 1000) / 1000;

/**
 * Each service's traffic at `newest`, with rates since `base` (null rates when there is no base
 * or it is the same read), sorted by service.
 */
export function trafficBetween(base: Reading | undefined, newest: Reading): ServiceTraffic[] {
  const seconds = base ? (newest.atMs - base.atMs) / 1000 : 0;
  return [...newest.counters]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([service, { requests, errors }]) => {
      const before = base?.counters.get(service);
      return {
        service,
        requests,
        errors,
        requestsPerSecond:
          seconds > 0 ? perSecond(growth(before?.requests, requests), seconds) : null,
        errorsPerSecond: seconds > 0 ? perSecond(growth(before?.errors, errors), seconds) : null,
      };
    });
}
