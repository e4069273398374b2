/**
 * The prometheus plugin's exporter (K:kong/plugins/prometheus/exporter.lua, handler.lua and the
 * text format of K:kong/plugins/prometheus/prometheus.lua), for the series kong-sim models:
 *
 * - `kong_http_requests_total{service,route,code,source,workspace,consumer}` with
 *   `status_code_metrics`; `consumer` is filled only with `per_consumer`;
 * - `kong_request_latency_ms`, `kong_upstream_latency_ms`, `kong_kong_latency_ms` histograms
 *   `{service,route,workspace}` with `latency_metrics`;
 * - `kong_upstream_target_health{upstream,target,address,state,subsystem}`, once a request logged
 *   through an instance with `upstream_health_metrics` (a later one without it turns it off);
 * - `kong_node_info{node_id,version}` and `kong_datastore_reachable`, always.
 *
 * Requests without a route are not counted. The request series are shown only while some
 * prometheus plugin is enabled; the others always (Kong's "local" metrics).
 */
import type { Row } from '../../schema/types';
import type { HealthView, StoreReader, TargetEntity } from '../../store/types';
import { KONG_VERSION } from '../headers';
import type { LogEntry } from './serialize';

const KONG_LATENCY_BUCKETS = [
  1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000,
];
const UPSTREAM_LATENCY_BUCKETS = [
  25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000,
];
const HEALTH_STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'] as const;

interface MetricInfo {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  buckets?: readonly number[];
}

/** Every series kong-sim exports, by name without the `kong_` prefix (the plugin's own texts). */
const METRICS: Record<string, MetricInfo> = {
  http_requests_total: {
    help: 'HTTP status codes per consumer/service/route in Kong',
    type: 'counter',
  },
  kong_latency_ms: {
    help: 'Latency added by Kong and enabled plugins for each service/route in Kong',
    type: 'histogram',
    buckets: KONG_LATENCY_BUCKETS,
  },
  upstream_latency_ms: {
    help: 'Latency added by upstream response for each service/route in Kong',
    type: 'histogram',
    buckets: UPSTREAM_LATENCY_BUCKETS,
  },
  request_latency_ms: {
    help: 'Total latency incurred during requests for each service/route in Kong',
    type: 'histogram',
    buckets: UPSTREAM_LATENCY_BUCKETS,
  },
  upstream_target_health: {
    help:
      'Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, ' +
      'value is 1 when state is populated.',
    type: 'gauge',
  },
  node_info: { help: 'Kong Node metadata information', type: 'gauge' },
  datastore_reachable: { help: 'Datastore reachable from Kong, 0 is unreachable', type: 'gauge' },
};

/** Label values escaped as the library does (backslash, double quote). */
function labels(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
}

/**
 * The sort key of a bucket bound: zero-padded so that keys sort numerically (the library's
 * `construct_bucket_format`); shown without the padding.
 */
function bucketFormat(buckets: readonly number[]): (bound: number) => string {
  const order = Math.max(1, ...buckets.map((b) => String(Math.trunc(b)).length));
  const precision = Math.max(
    1,
    ...buckets.map((b) => (String(b).split('.')[1] ?? '').replace(/0+$/, '').length),
  );
  return (bound) => bound.toFixed(precision).padStart(order + precision + 1, '0');
}

/** Lua's number to string: integers plainly, others with 14 significant digits. */
function showNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(14)));
}

/** What the exporter reads at scrape time. */
export interface ScrapeView {
  store: StoreReader;
  health: HealthView;
  nodeId: string;
  /** Some prometheus plugin is enabled in the plugins iterator. */
  enabled: boolean;
}

/** One node's prometheus exporter: counters filled by the log phase, read by `/metrics`. */
export class PrometheusExporter {
  /** The shared dictionary: full series name (bucket bounds padded) → value. */
  private readonly series = new Map<string, number>();
  private exportUpstreamHealth = false;

  /** The log phase of one prometheus plugin instance (`PrometheusHandler:log`). */
  log(entry: LogEntry, config: Row): void {
    this.exportUpstreamHealth = config.upstream_health_metrics === true;
    const route = entry.route as Row | undefined;
    if (!route) return;
    const service = entry.service as Row | undefined;
    const serviceName = String(service?.name ?? service?.host ?? '');
    const routeName = String(route.name ?? route.id);
    const workspace = String(entry.workspace_name ?? '');
    const consumer = entry.consumer as Row | undefined;
    const consumerName =
      config.per_consumer === true && typeof consumer?.username === 'string'
        ? consumer.username
        : '';
    if (config.status_code_metrics === true) {
      const status = (entry.response as Row).status;
      const key = `http_requests_total{${labels([
        ['service', serviceName],
        ['route', routeName],
        ['code', String(status)],
        ['source', entry.source === 'upstream' ? 'service' : 'kong'],
        ['workspace', workspace],
        ['consumer', consumerName],
      ])}}`;
      this.series.set(key, (this.series.get(key) ?? 0) + 1);
    }
    if (config.latency_metrics === true) {
      const latency = entry.latencies as Record<string, number>;
      const at = labels([
        ['service', serviceName],
        ['route', routeName],
        ['workspace', workspace],
      ]);
      if (latency.request! >= 0) this.observe('request_latency_ms', at, latency.request!);
      if (latency.proxy! >= 0) this.observe('upstream_latency_ms', at, latency.proxy!);
      if (latency.kong! >= 0) this.observe('kong_latency_ms', at, latency.kong!);
    }
  }

  /** `histogram:observe`: count, sum, and every bucket the value fits (only those exist). */
  private observe(name: string, at: string, value: number): void {
    const buckets = METRICS[name]!.buckets!;
    const format = bucketFormat(buckets);
    const add = (key: string, by: number): void => {
      this.series.set(key, (this.series.get(key) ?? 0) + by);
    };
    add(`${name}_count{${at}}`, 1);
    add(`${name}_sum{${at}}`, value);
    for (const bound of buckets)
      if (value <= bound) add(`${name}_bucket{${at},le="${format(bound)}"}`, 1);
    add(`${name}_bucket{${at},le="Inf"}`, 1);
  }

  /** The `/metrics` text: every series sorted by name, HELP and TYPE before each metric. */
  render(view: ScrapeView): string {
    const all = new Map<string, number>(view.enabled ? this.series : []);
    all.set(
      `node_info{${labels([
        ['node_id', view.nodeId],
        ['version', KONG_VERSION],
      ])}}`,
      1,
    );
    all.set('datastore_reachable', 1);
    if (this.exportUpstreamHealth) this.addTargetHealth(all, view);
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const key of [...all.keys()].sort()) {
      const short = shortName(key);
      const info = METRICS[short];
      if (info && !seen.has(short)) {
        seen.add(short);
        lines.push(`# HELP kong_${short} ${info.help}`, `# TYPE kong_${short} ${info.type}`);
      }
      lines.push(`kong_${shownKey(key)} ${showNumber(all.get(key)!)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** One gauge per state for every address of every target (`dns_error` with no address). */
  private addTargetHealth(into: Map<string, number>, view: ScrapeView): void {
    const targetsOf = new Map<string, TargetEntity[]>();
    for (const target of view.store.list('targets'))
      targetsOf.set(target.upstream.id, [...(targetsOf.get(target.upstream.id) ?? []), target]);
    for (const upstream of view.store.list('upstreams')) {
      for (const target of targetsOf.get(upstream.id) ?? []) {
        const { addresses } = view.health.targetHealth(upstream.id, target);
        const rows = addresses.length
          ? addresses.map((a) => ({ address: `${a.ip}:${a.port}`, state: a.health.toLowerCase() }))
          : [{ address: '', state: 'dns_error' }];
        for (const row of rows)
          for (const state of HEALTH_STATES)
            into.set(
              `upstream_target_health{${labels([
                ['upstream', upstream.name],
                ['target', target.target],
                ['address', row.address],
                ['state', state],
                ['subsystem', 'http'],
              ])}}`,
              state === row.state ? 1 : 0,
            );
      }
    }
  }
}

/** A series' metric name: up to the labels, without a histogram's suffix. */
function shortName(key: string): string {
  const name = key.split('{')[0] ?? key;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return METRICS[base]?.type === 'histogram' ? base : name;
}

/** A bucket bound shown without padding, `Inf` as `+Inf` (`fix_histogram_bucket_labels`). */
function shownKey(key: string): string {
  return key.replace(/(le=")([^"]*)(")/, (_m, head: string, bound: string, tail: string) =>
    bound === 'Inf' ? `${head}+Inf${tail}` : `${head}${showNumber(Number(bound))}${tail}`,
  );
}
