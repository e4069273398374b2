import type { KongAdminClient } from '../admin-api/client';
import { KongApiError } from '../admin-api/errors';
import { buildDesiredState } from '../desired/build';
import { emptyState } from '../kong/entities';
import { DEFAULT_OWNERSHIP_TAG, ids } from '../naming';
import { planChanges } from '../plan/plan';
import { makeInstance, makeService, makeSnapshot, TEST_NOW } from '../__tests__/snapshot-factory';
import { applyOpsToState } from './memory';
import { DbApplier } from './db';

/** Records calls; `fail` decides which ones answer with a Kong error. */
function fakeClient(
  fail: (method: string, path: string) => KongApiError | undefined = () => undefined,
) {
  const calls: string[] = [];
  const answer = (method: string, path: string) => {
    calls.push(`${method} ${path}`);
    const error = fail(method, path);
    return error ? Promise.reject(error) : Promise.resolve(undefined);
  };
  const client = {
    baseUrl: 'http://kong',
    writes: 0,
    put: (path: string) => answer('PUT', path),
    post: (path: string) => answer('POST', path),
    delete: (path: string) => answer('DELETE', path),
  };
  return { client: client as unknown as KongAdminClient, calls };
}

const desired = () =>
  buildDesiredState(
    makeSnapshot([
      makeService('orders', [makeInstance('orders', 'a')], {
        auth: { type: 'key-auth', allowGroups: [] },
      }),
    ]),
    { ownershipTag: DEFAULT_OWNERSHIP_TAG, now: TEST_NOW },
  );
const empty = { managed: emptyState(), unmanaged: [] };

describe('DbApplier', () => {
  it('writes parents before children, and the auth plugin before the route: PUT by id, POST for new targets', async () => {
    const { client, calls } = fakeClient();
    const plan = planChanges(desired(), empty);
    const result = await new DbApplier(client, { concurrency: 1 }).apply({ plan, current: empty });
    expect(result.errors).toEqual([]);
    expect(calls).toEqual([
      `PUT /services/${ids.service('orders')}`,
      `PUT /upstreams/${ids.upstream('orders')}`,
      `PUT /plugins/${ids.plugin('orders', 'key-auth')}`,
      `POST /upstreams/${ids.upstream('orders')}/targets`,
      `PUT /routes/${ids.route('orders')}`,
    ]);
  });

  it('does not write a route while a plugin guarding its service failed (fails closed)', async () => {
    const { client, calls } = fakeClient((method, path) =>
      path.startsWith('/plugins/')
        ? new KongApiError(method, path, 500, { message: 'An unexpected error occurred' })
        : undefined,
    );
    const plan = planChanges(desired(), empty);
    const result = await new DbApplier(client, { concurrency: 1 }).apply({ plan, current: empty });
    expect(calls.some((c) => c.startsWith('PUT /routes/'))).toBe(false);
    expect(result.errors.find((e) => e.kind === 'route')?.message).toBe(
      "create route orders: skipped: write of its service's plugin orders/key-auth failed",
    );
  });

  it('skips the children of a parent that failed, and reports each as an ApplyError', async () => {
    const { client, calls } = fakeClient((method, path) =>
      path.startsWith('/services/')
        ? new KongApiError(method, path, 400, {
            code: 2,
            name: 'schema violation',
            message: 'bad',
            fields: { host: 'x' },
          })
        : undefined,
    );
    const plan = planChanges(desired(), empty);
    const result = await new DbApplier(client).apply({ plan, current: empty });
    expect(calls.some((c) => c.startsWith('PUT /routes/'))).toBe(false);
    expect(calls.some((c) => c.startsWith('PUT /plugins/'))).toBe(false);
    expect(result.errors.map((e) => [e.op, e.kind, e.entityName])).toEqual(
      expect.arrayContaining([
        ['create', 'service', 'orders'],
        ['create', 'route', 'orders'],
        ['create', 'plugin', 'orders/key-auth'],
      ]),
    );
    const serviceError = result.errors.find((e) => e.kind === 'service')!;
    expect(serviceError.code).toBe('KCP_ERR_APPLY');
    expect((serviceError.cause as KongApiError).fields).toEqual({ host: 'x' });
    expect(result.applied.map((op) => op.kind)).toEqual(['upstream', 'target']);
  });

  it('treats a 404 on delete as done, and keeps a parent whose child could not be deleted', async () => {
    const current = {
      managed: applyOpsToState(emptyState(), planChanges(desired(), empty).ops),
      unmanaged: [],
    };
    const nothing = buildDesiredState(makeSnapshot([]), {
      ownershipTag: DEFAULT_OWNERSHIP_TAG,
      now: TEST_NOW,
    });
    const plan = planChanges(nothing, current);
    const { client, calls } = fakeClient((method, path) => {
      if (path.includes('/targets/'))
        return new KongApiError(method, path, 404, { message: 'Not found' });
      if (path.startsWith('/routes/'))
        return new KongApiError(method, path, 500, { message: 'An unexpected error occurred' });
      return undefined;
    });
    const result = await new DbApplier(client).apply({ plan, current });
    expect(
      result.errors
        .map((e) => `${e.kind} ${e.message.includes('skipped') ? 'skipped' : 'failed'}`)
        .sort(),
    ).toEqual(['route failed', 'service skipped']);
    expect(calls).toContain(`DELETE /upstreams/${ids.upstream('orders')}`);
    expect(calls).not.toContain(`DELETE /services/${ids.service('orders')}`);
  });
});

describe('DbApplier concurrency', () => {
  /** Answers every call on a later macrotask; records start/end order and the peak in flight. */
  function slowClient() {
    const events: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const answer = async (method: string, path: string) => {
      events.push(`start ${method} ${path}`);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      events.push(`end ${method} ${path}`);
    };
    const client = {
      baseUrl: 'http://kong',
      writes: 0,
      put: (path: string) => answer('PUT', path),
      post: (path: string) => answer('POST', path),
      delete: (path: string) => answer('DELETE', path),
    };
    return { client: client as unknown as KongAdminClient, events, peak: () => peak };
  }

  const fleet = (count: number) =>
    buildDesiredState(
      makeSnapshot(
        Array.from({ length: count }, (_, i) =>
          makeService(`svc-${i}`, [makeInstance(`svc-${i}`, 'a')]),
        ),
      ),
      { ownershipTag: DEFAULT_OWNERSHIP_TAG, now: TEST_NOW },
    );
  const lastIndex = (events: string[], test: (e: string) => boolean) =>
    events.reduce((last, e, i) => (test(e) ? i : last), -1);
  const firstIndex = (events: string[], test: (e: string) => boolean) => events.findIndex(test);

  it('keeps at most `concurrency` requests in flight, and finishes a level before the next', async () => {
    const { client, events, peak } = slowClient();
    const plan = planChanges(fleet(12), empty);
    const result = await new DbApplier(client, { concurrency: 4 }).apply({ plan, current: empty });
    expect(result.errors).toEqual([]);
    expect(result.applied).toHaveLength(48); // service, upstream, route, target per service
    expect(peak()).toBe(4);
    const parents = (e: string) => /^end PUT \/(services|upstreams)\//.test(e);
    const children = (e: string) => /^start (PUT \/routes|POST \/upstreams\/.*\/targets)/.test(e);
    expect(lastIndex(events, parents)).toBeLessThan(firstIndex(events, children));
  });

  it('deletes children before their parents, bounded the same way', async () => {
    const { client, events, peak } = slowClient();
    const current = {
      managed: applyOpsToState(emptyState(), planChanges(fleet(8), empty).ops),
      unmanaged: [],
    };
    const none = buildDesiredState(makeSnapshot([]), {
      ownershipTag: DEFAULT_OWNERSHIP_TAG,
      now: TEST_NOW,
    });
    const plan = planChanges(none, current);
    const result = await new DbApplier(client, { concurrency: 3 }).apply({ plan, current });
    expect(result.errors).toEqual([]);
    expect(peak()).toBe(3);
    const childDeletes = (e: string) => /^end DELETE \/(routes|upstreams\/.*\/targets)\//.test(e);
    const parentDeletes = (e: string) => /^start DELETE \/(services|upstreams)\/[^/]+$/.test(e);
    expect(firstIndex(events, parentDeletes)).toBeGreaterThan(lastIndex(events, childDeletes));
  });
});
