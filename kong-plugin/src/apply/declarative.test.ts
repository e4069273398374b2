/* eslint-disable @typescript-eslint/no-explicit-any -- the rendered document is loose JSON */
import { buildDesiredState } from '../desired/build';
import { foreignId, type Entity, type KongState } from '../kong/entities';
import { DEFAULT_OWNERSHIP_TAG } from '../naming';
import {
  makeConsumer,
  makeInstance,
  makeService,
  makeSnapshot,
  TEST_NOW,
} from '../__tests__/snapshot-factory';
import { hashDocument, mergeWithBase, renderState } from './declarative';

const state = () =>
  buildDesiredState(
    makeSnapshot(
      [
        makeService('orders', [makeInstance('orders', 'a')], {
          auth: { type: 'jwt', allowGroups: [] },
        }),
      ],
      [
        makeConsumer('alice', {
          groups: ['staff'],
          credentials: [{ id: 'k', type: 'key-auth', createdAt: '', key: 'alice-key' }],
        }),
      ],
    ),
    { ownershipTag: DEFAULT_OWNERSHIP_TAG, now: TEST_NOW },
  ).state;

describe('declarative rendering', () => {
  it('nests children under their parents without the implied foreign key', () => {
    const doc = renderState(state()) as any;
    expect(doc._format_version).toBe('3.0');
    expect(doc.services[0].routes[0]).toMatchObject({
      name: 'orders',
      paths: ['/orders/', '~/orders$'],
    });
    expect(doc.services[0].routes[0].service).toBeUndefined();
    expect(doc.services[0].plugins.map((p: any) => p.name)).toEqual(['jwt']);
    expect(doc.upstreams[0].targets.map((t: any) => t.target)).toEqual(['10.0.0.1:8080']);
    expect(doc.consumers[0]).toMatchObject({
      username: 'alice',
      keyauth_credentials: [{ key: 'alice-key' }],
      acls: [{ group: 'staff' }],
    });
    expect(doc.plugins).toEqual([]);
  });

  it('nests every child under its own parent, sorted by id, across a fleet', () => {
    const services = Array.from({ length: 12 }, (_, s) =>
      makeService(
        `svc-${s}`,
        Array.from({ length: 1 + (s % 4) }, (_, i) =>
          makeInstance(`svc-${s}`, `i${i}`, { port: 8000 + i }),
        ),
        s % 3 === 0 ? { auth: { type: 'key-auth', allowGroups: ['staff'] } } : {},
      ),
    );
    const consumers = Array.from({ length: 5 }, (_, c) =>
      makeConsumer(`user-${c}`, {
        groups: c % 2 === 0 ? ['staff'] : [],
        credentials: [{ id: `k${c}`, type: 'key-auth', createdAt: '', key: `key-${c}` }],
      }),
    );
    const fleet = buildDesiredState(makeSnapshot(services, consumers), {
      ownershipTag: DEFAULT_OWNERSHIP_TAG,
      now: TEST_NOW,
    }).state;
    const doc = renderState(fleet) as any;
    // The straightforward definition: filter every entity of the kind by its parent's id.
    const childNames = (kind: keyof KongState, field: string, parentId: string, key: string) =>
      [...fleet[kind].values()]
        .filter((e: Entity) => foreignId(e.body, field) === parentId)
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((e) => e.body[key]);
    const byName = (kind: keyof KongState, name: string, key = 'name') =>
      [...fleet[kind].values()].find((e) => e.body[key] === name)!.id;

    expect(doc.services).toHaveLength(12);
    for (const service of doc.services) {
      const id = byName('service', service.name);
      expect(service.routes.map((r: any) => r.name)).toEqual(
        childNames('route', 'service', id, 'name'),
      );
      expect(service.plugins.map((p: any) => p.name)).toEqual(
        childNames('plugin', 'service', id, 'name'),
      );
    }
    expect(doc.upstreams.flatMap((u: any) => u.targets)).toHaveLength(
      services.reduce((n, s) => n + s.instances.length, 0),
    );
    for (const upstream of doc.upstreams) {
      const id = byName('upstream', upstream.name);
      expect(upstream.targets.map((t: any) => t.target)).toEqual(
        childNames('target', 'upstream', id, 'target'),
      );
    }
    for (const consumer of doc.consumers) {
      const id = byName('consumer', consumer.username, 'username');
      expect(consumer.keyauth_credentials.map((k: any) => k.key)).toEqual(
        childNames('key-auth', 'consumer', id, 'key'),
      );
      expect(consumer.acls.map((a: any) => a.group)).toEqual(
        childNames('acl', 'consumer', id, 'group'),
      );
    }
  });

  it('merges a base document and drops base entities that collide with ours', () => {
    const base = {
      _format_version: '3.0',
      services: [
        { name: 'legacy', url: 'http://l' },
        { name: 'orders', url: 'http://old' },
      ],
      vaults: [{ name: 'env', prefix: 'e' }],
    };
    const { doc, dropped } = mergeWithBase(renderState(state()), base);
    expect(dropped).toEqual(['services:orders']);
    expect((doc.services as any[]).map((s) => s.name)).toEqual(['legacy', 'orders']);
    expect(doc.vaults).toEqual([{ name: 'env', prefix: 'e' }]);
  });

  it("keys plugins by name and scope: ours global does not push out a base plugin's route one", () => {
    const ours = renderState(
      buildDesiredState(makeSnapshot([makeService('orders', [makeInstance('orders', 'a')])]), {
        ownershipTag: DEFAULT_OWNERSHIP_TAG,
        now: TEST_NOW,
        telemetry: { prometheus: true, log: undefined, logScope: 'global' },
      }).state,
    );
    const base = {
      plugins: [
        { name: 'prometheus', route: 'legacy-route', config: {} },
        { name: 'prometheus', route: { name: 'other' }, config: {} },
      ],
    };
    const { doc, dropped } = mergeWithBase(ours, base);
    expect(dropped).toEqual([]);
    expect((doc.plugins as any[]).map((p) => [p.name, p.route ?? null])).toEqual([
      ['prometheus', 'legacy-route'],
      ['prometheus', { name: 'other' }],
      ['prometheus', null],
    ]);
  });

  it('hashes independently of key order', () => {
    expect(hashDocument({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(
      hashDocument({ b: [{ d: 3, c: 2 }], a: 1 }),
    );
    expect(hashDocument({ a: 1 })).not.toBe(hashDocument({ a: 2 }));
  });
});
