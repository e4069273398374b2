/**
 * decK-style text for plans: `creating service orders`, `updating target ...` with the changed
 * fields as `-`/`+` lines, `deleting route ...`, then a Summary block. Pure.
 */
import type { NodeReport } from '../reconcile-types';
import { summarizePlan, type PlanOp } from '../plan/types';

const VERB = { create: 'creating', update: 'updating', delete: 'deleting' } as const;

const show = (value: unknown): string => JSON.stringify(value);

/** Lines describing one op. */
export function formatOp(op: PlanOp): string[] {
  const head = `${VERB[op.op]} ${op.kind} ${op.name}`;
  if (op.op !== 'update') return [head];
  return [
    `${head}  {`,
    ...op.changes.flatMap((c) => [
      `-   "${c.path}": ${show(c.from)}`,
      `+   "${c.path}": ${show(c.to)}`,
    ]),
    '  }',
  ];
}

/** The full text for one node's report. */
export function formatNodeReport(report: NodeReport, multiNode: boolean): string {
  const lines: string[] = [];
  if (multiNode) lines.push(`== ${report.node} (${report.mode})`);
  if (report.error) {
    lines.push(`error: ${report.error}`);
    return lines.join('\n');
  }
  const plan = report.plan;
  if (!plan) return lines.join('\n');
  for (const conflict of plan.conflicts) {
    lines.push(`conflict: service ${conflict.service}: ${conflict.reason} (left as it is)`);
  }
  for (const y of plan.yielded) {
    lines.push(
      `left out: plugin ${y.name}: a hand-made ${y.plugin} plugin (${y.entity.id}) holds its scope`,
    );
  }
  for (const held of report.held) {
    lines.push(
      `held: ${held.targets.length} target removal(s) of ${held.service} (mass expiry guard)`,
    );
  }
  for (const op of plan.ops) lines.push(...formatOp(op));
  const failed = new Set(
    report.result?.errors.map((e) => `${e.op}:${e.kind}:${e.entityName}`) ?? [],
  );
  for (const error of report.result?.errors ?? []) lines.push(`failed: ${error.message}`);
  const summary = summarizePlan(plan.ops);
  lines.push(
    'Summary:',
    `  Created: ${summary.created}`,
    `  Updated: ${summary.updated}`,
    `  Deleted: ${summary.deleted}`,
  );
  if (failed.size > 0) lines.push(`  Failed: ${failed.size}`);
  return lines.join('\n');
}
