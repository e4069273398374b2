import { buildDesiredState } from '../desired/build';
import type { TelemetrySettings } from '../desired/telemetry';
import { emptyState, type Entity } from '../kong/entities';
import { DEFAULT_OWNERSHIP_TAG, ids } from '../naming';
import { makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import { planChanges } from './plan';

const TAG = DEFAULT_OWNERSHIP_TAG;
const httpLog = { plugin: 'http-log' as const, endpoint: 'http://logstash:8080/kong' };
const desiredWith = (telemetry: TelemetrySettings) =>
  buildDesiredState(
    makeSnapshot([makeService('orders', [], { auth: { type: 'key-auth', allowGroups: [] } })]),
    {
      ownershipTag: TAG,
      now: TEST_NOW,
      telemetry,
    },
  );

/** A plugin someone made by hand (no ownership tag). */
function handMade(name: string, scope: { service?: string } = {}): Entity {
  const id = `hand-${name}-${scope.service ?? 'global'}`;
  return {
    kind: 'plugin',
    id,
    name,
    service: undefined,
    consumer: undefined,
    body: {
      id,
      name,
      service: scope.service ? { id: ids.service(scope.service) } : null,
      route: null,
      consumer: null,
      config: {},
      tags: null,
    },
  };
}

const planned = (telemetry: TelemetrySettings, unmanaged: Entity[]) =>
  planChanges(desiredWith(telemetry), { managed: emptyState(), unmanaged });
const writes = (plan: ReturnType<typeof planned>) =>
  plan.ops.filter((op) => op.kind === 'plugin').map((op) => `${op.op} ${op.name}`);

describe('telemetry plugins give way to hand-made ones', () => {
  it('leaves our global prometheus out when a hand-made global one exists, and touches it not', () => {
    const plan = planned({ prometheus: true, log: httpLog, logScope: 'global' }, [
      handMade('prometheus'),
    ]);
    expect(writes(plan)).toEqual(['create global/http-log', 'create orders/key-auth']);
    expect(plan.yielded).toEqual([
      {
        id: ids.globalPlugin('prometheus'),
        name: 'global/prometheus',
        plugin: 'prometheus',
        service: undefined,
        entity: { kind: 'plugin', id: 'hand-prometheus-global', name: 'prometheus' },
      },
    ]);
    expect(plan.quarantined.services).toEqual([]);
  });

  it('ignores a hand-made plugin of the same name in another scope', () => {
    const plan = planned({ prometheus: true, log: undefined, logScope: 'global' }, [
      handMade('prometheus', { service: 'orders' }),
    ]);
    expect(writes(plan)).toContain('create global/prometheus');
    expect(plan.yielded).toEqual([]);
  });

  it("leaves a service's log plugin out beside a hand-made one, without quarantining the service", () => {
    const plan = planned({ prometheus: false, log: httpLog, logScope: 'per-service' }, [
      handMade('http-log', { service: 'orders' }),
    ]);
    expect(plan.yielded.map((y) => y.name)).toEqual(['orders/http-log']);
    expect(plan.quarantined.services).toEqual([]);
    expect(writes(plan)).toEqual(['create orders/key-auth']);
    expect(plan.ops.some((op) => op.kind === 'route')).toBe(true);
  });

  it('still quarantines a service whose auth plugin collides with a hand-made one', () => {
    const plan = planned({ prometheus: false, log: undefined, logScope: 'global' }, [
      handMade('key-auth', { service: 'orders' }),
    ]);
    expect(plan.quarantined.services).toEqual(['orders']);
    expect(plan.yielded).toEqual([]);
  });

  it('deletes our own global plugin once the setting is off, never a hand-made one', () => {
    const on = planned({ prometheus: true, log: undefined, logScope: 'global' }, []);
    const ours = on.ops.find((op) => op.name === 'global/prometheus')!;
    const managed = emptyState();
    managed.plugin.set(ours.id, { ...ours, body: { ...ours.body } });
    const off = planChanges(
      desiredWith({ prometheus: false, log: undefined, logScope: 'global' }),
      {
        managed,
        unmanaged: [handMade('http-log')],
      },
    );
    expect(writes(off)).toEqual(['create orders/key-auth', 'delete global/prometheus']);
  });
});
