/**
 * `kong-registry diff` (what a sync would do, exit 2 when not converged) and `kong-registry sync`
 * (one reconcile, then exit).
 */
import { assembleController } from '../controller-wiring';
import { NO_METRICS } from '../metrics-sink';
import { summarizePlan } from '../plan/types';
import type { ReconcileReport } from '../reconcile-types';
import { formatNodeReport } from './diff-format';
import { cliLogger, COMMAND_VARIABLES, configFromFlags, helpText, parseFlags } from './options';

const DIFF_HELP = helpText(
  'kong-registry diff [options]',
  'Reads the registry and Kong, and prints what a sync would change, decK-style.\n' +
    'Exit codes: 0 converged, 2 changes pending (or conflicts/failures), 1 error.',
  COMMAND_VARIABLES.diff,
  { fromDemo: true },
);
const SYNC_HELP = helpText(
  'kong-registry sync [options]',
  'Reconciles Kong with the registry once and exits. With REDIS_URL set it first takes the\n' +
    'leader lock and refuses to write while another controller holds it.\n' +
    'Exit codes: 0 converged, 1 error or failed operations, 3 another controller holds the lock.',
  COMMAND_VARIABLES.sync,
  { fromDemo: true },
);

function toJson(report: ReconcileReport): unknown {
  return {
    revision: report.revision,
    ok: report.ok,
    applied: report.applied,
    failures: report.failures,
    nodes: report.nodes.map((n) => ({
      node: n.node,
      mode: n.mode,
      error: n.error,
      summary: n.plan ? summarizePlan(n.plan.ops) : undefined,
      conflicts: n.plan?.conflicts ?? [],
      quarantined: n.plan?.quarantined,
      yielded: n.plan?.yielded ?? [],
      held: n.held,
      ops: (n.plan?.ops ?? []).map((op) => ({
        op: op.op,
        kind: op.kind,
        name: op.name,
        id: op.id,
        changes: op.changes,
      })),
      errors: (n.result?.errors ?? []).map((e) => ({
        op: e.op,
        kind: e.kind,
        name: e.entityName,
        message: e.message,
      })),
      writes: n.result?.writes,
      skipped: n.result?.skipped,
    })),
  };
}

function print(report: ReconcileReport, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(toJson(report), null, 2));
    return;
  }
  for (const failure of report.failures) {
    console.log(
      `quarantined: ${failure.service ? `service ${failure.service}` : `consumer ${failure.consumer ?? '?'}`}: ${failure.reason}`,
    );
  }
  const multi = report.nodes.length > 1;
  for (const node of report.nodes) console.log(formatNodeReport(node, multi));
}

async function runOnce(argv: string[], apply: boolean): Promise<number> {
  const parsed = parseFlags(argv);
  if (!parsed) return 1;
  if (parsed.flags.help) {
    console.log(apply ? SYNC_HELP : DIFF_HELP);
    return 0;
  }
  const config = configFromFlags(parsed.flags, { fromDemo: true });
  if (!config) return 1;
  // A one-shot exports no metrics: NO_METRICS keeps prom-client out of its start-up.
  const controller = assembleController(config, NO_METRICS, {
    logger: cliLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    oneShot: true,
  });
  try {
    if (apply && !(await controller.acquireLeadership())) {
      console.error('kong-registry sync: another controller holds the leader lock; not writing');
      return 3;
    }
    const report = await controller.reconcileOnce({ apply });
    print(report, parsed.flags.json === true);
    if (apply) return report.ok ? 0 : 1;
    if (report.nodes.some((n) => n.error)) return 1;
    const pending = report.nodes.some(
      (n) => (n.plan?.ops.length ?? 0) > 0 || (n.plan?.conflicts.length ?? 0) > 0,
    );
    return pending || report.failures.length > 0 ? 2 : 0;
  } catch (err) {
    console.error(
      `kong-registry ${apply ? 'sync' : 'diff'}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  } finally {
    await controller.stop();
  }
}

/** `diff`: exit 0 when converged, 2 when a sync would change something, 1 on errors. */
export function runDiffCommand(argv: string[]): Promise<number> {
  return runOnce(argv, false);
}

/** `sync`: one reconcile and exit. */
export function runSyncCommand(argv: string[]): Promise<number> {
  return runOnce(argv, true);
}
