/**
 * The telemetry settings' values checked and turned into TelemetrySettings (desired/telemetry.ts).
 * config.ts reads the variables and hands their values here; every problem is added to `problems`
 * in config.ts's `NAME: what is wrong` form.
 */
import type { LogPluginSetting, TelemetrySettings } from './desired/telemetry';

/** The raw values, unset ones undefined. */
export interface TelemetryValues {
  KONG_PROMETHEUS_PLUGIN: string | undefined;
  KONG_LOG_PLUGIN: string | undefined;
  KONG_LOG_PLUGIN_SCOPE: string | undefined;
}

/** Characters Kong's file-log schema refuses in a path. */
const BAD_PATH_CHARACTERS = /[*&%\\`]/;

function parseLogPlugin(raw: string, problems: string[]): LogPluginSetting | undefined {
  if (raw === 'off') return undefined;
  const at = raw.indexOf(':');
  const kind = at === -1 ? raw : raw.slice(0, at);
  const target = at === -1 ? '' : raw.slice(at + 1);
  if (kind === 'http-log') {
    let url: URL | undefined;
    try {
      url = new URL(target);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
      problems.push(
        `KONG_LOG_PLUGIN: '${target}' is not an http(s) URL (http-log:http://logstash:8080/kong)`,
      );
      return undefined;
    }
    return { plugin: 'http-log', endpoint: target };
  }
  if (kind === 'file-log') {
    // Kong resolves a relative path against its own working directory: say where, always.
    if (!target.startsWith('/') || BAD_PATH_CHARACTERS.test(target)) {
      problems.push(
        'KONG_LOG_PLUGIN: file-log needs an absolute path on the Kong nodes without *, &, %, \\ or ` (file-log:/var/log/kong/requests.json)',
      );
      return undefined;
    }
    return { plugin: 'file-log', path: target };
  }
  problems.push("KONG_LOG_PLUGIN: expected 'off', 'http-log:<url>' or 'file-log:<path>'");
  return undefined;
}

/** The telemetry settings, or the problems with them in `problems`. */
export function parseTelemetry(values: TelemetryValues, problems: string[]): TelemetrySettings {
  const prometheus = values.KONG_PROMETHEUS_PLUGIN ?? 'off';
  if (prometheus !== 'on' && prometheus !== 'off')
    problems.push(`KONG_PROMETHEUS_PLUGIN: expected 'on' or 'off', not '${prometheus}'`);
  const log = parseLogPlugin(values.KONG_LOG_PLUGIN ?? 'off', problems);
  const scope = values.KONG_LOG_PLUGIN_SCOPE ?? 'global';
  if (scope !== 'global' && scope !== 'per-service')
    problems.push(`KONG_LOG_PLUGIN_SCOPE: expected 'global' or 'per-service', not '${scope}'`);
  else if (
    values.KONG_LOG_PLUGIN_SCOPE !== undefined &&
    (values.KONG_LOG_PLUGIN ?? 'off') === 'off'
  )
    problems.push('KONG_LOG_PLUGIN_SCOPE: only used with KONG_LOG_PLUGIN');
  return {
    prometheus: prometheus === 'on',
    log,
    logScope: scope === 'per-service' ? 'per-service' : 'global',
  };
}

/** The settings for a log line: an http-log URL's password hidden. */
export function redactTelemetry(settings: TelemetrySettings): TelemetrySettings {
  if (settings.log?.plugin !== 'http-log') return settings;
  return {
    ...settings,
    log: {
      plugin: 'http-log',
      endpoint: settings.log.endpoint.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:[redacted]@'),
    },
  };
}
