/** What a node's reconcile leaves behind: its summary log line and the operation counters. */
import type { ApplyResult } from './apply/types';
import type { Logger } from './logger';
import type { MetricsSink } from './metrics-sink';
import { summarizePlan } from './plan/types';
import type { NodeReport } from './reconcile-types';

/** Counts applied and failed operations by op and kind. */
export function countOps(metrics: MetricsSink | undefined, result: ApplyResult): void {
  if (!metrics) return;
  for (const op of result.applied)
    metrics.operations.inc({ op: op.op, kind: op.kind, result: 'ok' });
  for (const err of result.errors)
    metrics.operations.inc({ op: err.op, kind: err.kind, result: 'failed' });
}

/** One line per node and reconcile: warn on errors, info on changes, debug when converged. */
export function logNodeSummary(
  log: Logger,
  report: NodeReport,
  { revision, scope }: { revision: number; scope: readonly string[] | undefined },
  apply: boolean,
): void {
  const planned = report.plan
    ? summarizePlan(report.plan.ops)
    : { created: 0, updated: 0, deleted: 0 };
  const failed = report.result?.errors.length ?? 0;
  const line = {
    revision,
    ...(scope ? { scope } : {}),
    mode: report.mode,
    ...(apply ? planned : { planned }),
    failed,
    writes: report.result?.writes ?? 0,
    skipped: report.result?.skipped ?? false,
    quarantined: report.plan?.quarantined.services.length ?? 0,
    held: report.held.reduce((n, h) => n + h.targets.length, 0),
    durationMs: report.durationMs,
  };
  const changed = line.writes > 0 || planned.created + planned.updated + planned.deleted > 0;
  if (report.error || failed > 0)
    log.warn(line, apply ? 'reconcile finished with errors' : 'plan finished with errors');
  // A converged resync every 30 s is not news: it goes to debug, changes stay at info.
  else if (changed || line.held > 0 || line.quarantined > 0)
    log.info(line, apply ? 'reconciled' : 'planned (read-only)');
  else log.debug(line, apply ? 'reconciled (already converged)' : 'planned (nothing to do)');
}
