/**
 * When the controller may say Kong is converged: a whole reconcile (a per-service one says
 * nothing of the rest) that read every node, held nothing back, and left Kong holding the desired
 * state: the leader applied its whole plan, a follower found nothing to change. Quarantined
 * services are left out of the desired state and have their own gauge and alert; a telemetry
 * plugin left out for a hand-made one (plan/yields.ts) is a steady state, so it counts as
 * converged.
 */
import type { ReconcileReport } from './reconcile-types';

export function isConverged(
  report: Pick<ReconcileReport, 'scope' | 'ok' | 'nodes'>,
  wrote: boolean,
): boolean {
  if (report.scope || !report.ok) return false;
  return report.nodes.every(
    (node) => node.held.length === 0 && (wrote || (node.plan?.ops.length ?? 1) === 0),
  );
}
