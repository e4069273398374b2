/**
 * Kong's own telemetry, programmed like everything else the controller owns (docs/observability.md):
 * Kong's bundled prometheus plugin, globally, so request counts, latencies and upstream health per
 * service come from Kong itself; and a log plugin (http-log to a collector such as Logstash's
 * HTTP input, or file-log), globally or on every routed service. Off unless configured
 * (config.ts). Pure.
 */
import type { Entity, KongBody } from '../kong/entities';
import { globalTags, ids, names, serviceTags } from '../naming';

/** The log plugin the controller programs, and where it sends entries. */
export type LogPluginSetting =
  { plugin: 'http-log'; endpoint: string } | { plugin: 'file-log'; path: string };

/** The controller's telemetry settings (KONG_PROMETHEUS_PLUGIN, KONG_LOG_PLUGIN, ..._SCOPE). */
export interface TelemetrySettings {
  prometheus: boolean;
  log: LogPluginSetting | undefined;
  logScope: 'global' | 'per-service';
}

/** Nothing programmed: the default. */
export const NO_TELEMETRY: TelemetrySettings = Object.freeze({
  prometheus: false,
  log: undefined,
  logScope: 'global',
});

/**
 * Plugins of Kong's own telemetry. A hand-made one of the same name in the same scope wins: ours
 * is left out (plan/yields.ts), and the service is not quarantined as it would be for an auth
 * plugin, since nothing is left unguarded.
 */
export const TELEMETRY_PLUGINS: ReadonlySet<string> = new Set([
  'prometheus',
  'http-log',
  'file-log',
]);

/**
 * prometheus, per service and route: request counts by status (`kong_http_requests_total`),
 * latency histograms, bandwidth, and every target's health (`kong_upstream_target_health`). No
 * per-consumer labels: one series per consumer would grow with the consumers.
 */
const PROMETHEUS_CONFIG: KongBody = {
  per_consumer: false,
  status_code_metrics: true,
  latency_metrics: true,
  bandwidth_metrics: true,
  upstream_health_metrics: true,
};

function logPlugin(setting: LogPluginSetting): { name: string; config: KongBody } {
  return setting.plugin === 'http-log'
    ? { name: 'http-log', config: { http_endpoint: setting.endpoint } }
    : { name: 'file-log', config: { path: setting.path } };
}

function globalPlugin(name: string, config: KongBody, ownershipTag: string): Entity {
  const id = ids.globalPlugin(name);
  return {
    kind: 'plugin',
    id,
    name: names.globalPlugin(name),
    service: undefined,
    consumer: undefined,
    body: { id, name, config, tags: globalTags(ownershipTag) },
  };
}

/** The global plugins the settings ask for (whole reconciles only: plan/scope.ts). */
export function globalTelemetryPlugins(
  settings: TelemetrySettings,
  ownershipTag: string,
): Entity[] {
  const plugins: Entity[] = [];
  if (settings.prometheus)
    plugins.push(globalPlugin('prometheus', PROMETHEUS_CONFIG, ownershipTag));
  if (settings.log && settings.logScope === 'global') {
    const { name, config } = logPlugin(settings.log);
    plugins.push(globalPlugin(name, config, ownershipTag));
  }
  return plugins;
}

/** The log plugin of one routed service, when the settings put it on every service. */
export function serviceTelemetryPlugins(
  settings: TelemetrySettings,
  svc: string,
  ownershipTag: string,
): Entity[] {
  if (!settings.log || settings.logScope !== 'per-service') return [];
  const { name, config } = logPlugin(settings.log);
  const id = ids.plugin(svc, name);
  return [
    {
      kind: 'plugin',
      id,
      name: `${svc}/${name}`,
      service: svc,
      consumer: undefined,
      body: {
        id,
        name,
        service: { id: ids.service(svc) },
        config,
        tags: serviceTags(ownershipTag, svc),
      },
    },
  ];
}
