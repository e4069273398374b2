/* eslint-disable @typescript-eslint/no-explicit-any -- the rendered document is loose JSON */
import { buildDesiredState } from '../desired/build';
import { DEFAULT_OWNERSHIP_TAG } from '../naming';
import {
  makeConsumer,
  makeInstance,
  makeService,
  makeSnapshot,
  TEST_NOW,
} from '../testing/snapshot-factory';
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
    expect(doc.services[0].routes[0]).toMatchObject({ name: 'orders', paths: ['/orders'] });
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

  it('hashes independently of key order', () => {
    expect(hashDocument({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(
      hashDocument({ b: [{ d: 3, c: 2 }], a: 1 }),
    );
    expect(hashDocument({ a: 1 })).not.toBe(hashDocument({ a: 2 }));
  });
});
