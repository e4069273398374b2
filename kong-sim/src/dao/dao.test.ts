import { Dao } from './dao';
import { KongDbError } from './errors';
import { MemoryStore } from './memory-store';

function setup(dbless = false): { dao: Dao; store: MemoryStore } {
  const store = new MemoryStore();
  let now = 1_700_000_000_000;
  return { dao: new Dao(store, { dbless, now: () => (now += 1234) }), store };
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof KongDbError ? err.code : undefined;
  }
  return undefined;
}

describe('Dao', () => {
  it('keeps created_at on PATCH, refreshes updated_at, resets created_at on PUT', () => {
    const { dao } = setup();
    const created = dao.insert('services', { name: 's', host: 'h' });
    const patched = dao.update('services', created, { retries: 1 });
    expect(patched.created_at).toBe(created.created_at);
    expect(patched.updated_at).not.toBe(created.updated_at);
    const put = dao.upsert('services', 's', { host: 'h2' });
    expect(put.id).toBe(created.id);
    expect(put.retries).toBe(5);
    expect(put.created_at).not.toBe(created.created_at);
  });

  it('emits one change per write and bumps the version', () => {
    const { dao, store } = setup();
    const seen: string[] = [];
    store.onChange((c) => seen.push(`${c.kind}:${c.op}`));
    const service = dao.insert('services', { host: 'h' });
    dao.insert('plugins', { name: 'key-auth', service: { id: service.id } });
    dao.delete('services', service);
    expect(seen).toEqual([
      'services:create',
      'plugins:create',
      'plugins:delete',
      'services:delete',
    ]);
    expect(store.version).toBe(4);
  });

  it('rejects an existing id on insert with code 3 and writes nothing on failure', () => {
    const { dao, store } = setup();
    const service = dao.insert('services', { host: 'h' });
    expect(codeOf(() => dao.insert('services', { id: service.id, host: 'h' }))).toBe(3);
    expect(
      codeOf(() =>
        dao.insert('routes', {
          paths: ['/'],
          service: { id: '00000000-0000-4000-8000-000000000000' },
        }),
      ),
    ).toBe(4);
    expect(store.rows('routes')).toHaveLength(0);
  });

  it('refuses every write in DB-less mode with code 12', () => {
    const { dao } = setup(true);
    expect(codeOf(() => dao.insert('services', { host: 'h' }))).toBe(12);
    expect(codeOf(() => dao.upsert('services', 'x', { host: 'h' }))).toBe(12);
  });

  it('normalises targets and keeps float-second timestamps', () => {
    const { dao } = setup();
    const upstream = dao.insert('upstreams', { name: 'u' });
    const target = dao.insert('targets', { target: 'Example.com', upstream: { id: upstream.id } });
    expect(target.target).toBe('Example.com:8000');
    expect(Number.isInteger(target.created_at)).toBe(false);
  });
});

describe('Dao target timestamps', () => {
  it('keeps target stamps strictly increasing within one millisecond', () => {
    const store = new MemoryStore();
    const dao = new Dao(store, { now: () => 1_700_000_000_000 });
    const upstream = dao.insert('upstreams', { name: 'u' });
    const a = dao.insert('targets', { target: 'a:1', upstream: { id: upstream.id } });
    const b = dao.insert('targets', { target: 'b:1', upstream: { id: upstream.id } });
    expect(b.created_at as number).toBeGreaterThan(a.created_at as number);
  });
});
