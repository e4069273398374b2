import { isConverged } from './convergence';
import type { NodeReport } from './reconcile-types';
import type { PlanOp } from './plan/types';

const node = (patch: Partial<NodeReport> = {}): NodeReport => ({
  node: 'http://kong:8001',
  mode: 'db',
  held: [],
  plan: { ops: [], conflicts: [], quarantined: { services: [], consumers: [] }, yielded: [] },
  durationMs: 1,
  ...patch,
});
const withOps = node({
  plan: {
    ops: [{ op: 'create', kind: 'target' } as PlanOp],
    conflicts: [],
    quarantined: { services: [], consumers: [] },
    yielded: [],
  },
});
const held = node({ held: [{ service: 'orders', targets: ['t'], heldForMs: 0 }] });

it.each([
  ['a whole reconcile the leader applied', { ok: true, nodes: [withOps] }, true, true],
  ['a whole plan with nothing to change (follower)', { ok: true, nodes: [node()] }, false, true],
  ['a follower that would change something', { ok: true, nodes: [withOps] }, false, false],
  ['a failed reconcile', { ok: false, nodes: [node()] }, true, false],
  ['a reconcile that held removals', { ok: true, nodes: [node(), held] }, true, false],
  [
    'a per-service reconcile',
    { ok: true, nodes: [node()], scope: ['orders'] as string[] },
    true,
    false,
  ],
  ['a node not planned (follower)', { ok: true, nodes: [node({ plan: undefined })] }, false, false],
])('%s', (_what, report, wrote, expected) => {
  expect(isConverged(report, wrote)).toBe(expected);
});
