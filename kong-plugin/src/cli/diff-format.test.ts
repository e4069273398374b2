import { formatNodeReport, formatOp } from './diff-format';
import type { PlanOp } from '../plan/types';

const op = (patch: Partial<PlanOp>): PlanOp => ({
  op: 'create',
  kind: 'service',
  id: 'x',
  name: 'orders',
  service: 'orders',
  consumer: undefined,
  body: {},
  changes: [],
  ...patch,
});

describe('decK-style output', () => {
  it('shows changed fields of an update', () => {
    expect(
      formatOp(
        op({
          op: 'update',
          kind: 'target',
          name: 'orders.upstream/a:1',
          changes: [{ path: 'weight', from: 100, to: 0 }],
        }),
      ),
    ).toEqual([
      'updating target orders.upstream/a:1  {',
      '-   "weight": 100',
      '+   "weight": 0',
      '  }',
    ]);
  });

  it('ends with a summary', () => {
    const text = formatNodeReport(
      {
        node: 'http://k',
        mode: 'db',
        held: [],
        durationMs: 1,
        plan: {
          ops: [op({}), op({ op: 'delete', kind: 'route', name: 'old' })],
          conflicts: [],
          quarantined: { services: [], consumers: [] },
          yielded: [],
        },
      },
      false,
    );
    expect(text).toBe(
      [
        'creating service orders',
        'deleting route old',
        'Summary:',
        '  Created: 1',
        '  Updated: 0',
        '  Deleted: 1',
      ].join('\n'),
    );
  });

  it('names the telemetry plugins left out for hand-made ones', () => {
    const text = formatNodeReport(
      {
        node: 'http://k',
        mode: 'db',
        held: [],
        durationMs: 1,
        plan: {
          ops: [],
          conflicts: [],
          quarantined: { services: [], consumers: [] },
          yielded: [
            {
              id: 'ours',
              name: 'global/prometheus',
              plugin: 'prometheus',
              service: undefined,
              entity: { kind: 'plugin', id: 'hand-1', name: 'global/prometheus' },
            },
          ],
        },
      },
      false,
    );
    expect(text.split('\n')[0]).toBe(
      'left out: plugin global/prometheus: a hand-made prometheus plugin (hand-1) holds its scope',
    );
  });
});
