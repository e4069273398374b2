/**
 * The log phase: once a response is done, the logging plugins that apply to the request run, in
 * priority order (prometheus 13, http-log 12, file-log 9). A request the access phase saw gets the
 * instances of its route, service and consumer by Kong's scope precedence; one that ended before
 * (no route matched, a protocol refused) only the global ones (K:kong/init.lua `Kong.log`,
 * K:kong/runloop/plugins_iterator.lua).
 */
import type { Logger } from '../../health/checker';
import type { Row } from '../../schema/types';
import { resolvePlugin } from '../plugins';
import { logToFile } from './file-log';
import { logOverHttp } from './http-log';
import type { LogQueues } from './log-queue';
import type { PrometheusExporter } from './prometheus';
import type { RequestRecord } from './record';
import { serializeEntry, type LogEntry, type NodeFacts } from './serialize';

/** The logging plugins kong-sim runs, highest priority first. */
export const LOG_PLUGINS = ['prometheus', 'http-log', 'file-log'] as const;

/** What the log phase writes to. */
export interface LogPhaseDeps {
  prometheus: PrometheusExporter;
  queues: LogQueues;
  logger: Logger;
  node(): NodeFacts;
}

/** Runs the log phase of one finished request. */
export function runLogPhase(record: RequestRecord, deps: LogPhaseDeps): void {
  const ids = record.collected
    ? {
        route: record.route?.id ?? null,
        service: record.service?.id ?? null,
        consumer: record.consumer?.id ?? null,
      }
    : { route: null, service: null, consumer: null };
  let entry: LogEntry | undefined;
  let json: string | undefined;
  for (const name of LOG_PLUGINS) {
    const plugin = resolvePlugin(record.plugins, name, record.protocol, ids);
    if (!plugin) continue;
    entry ??= serializeEntry(record, deps.node(), performance.now());
    const config = plugin.config as Row;
    if (name === 'prometheus') {
      deps.prometheus.log(entry, config);
      continue;
    }
    json ??= JSON.stringify(entry);
    if (name === 'http-log') logOverHttp(deps.queues, config, json);
    else {
      const error = logToFile(config, json);
      if (error) deps.logger.error({ plugin: plugin.id, error }, 'file-log: could not write');
    }
  }
}
