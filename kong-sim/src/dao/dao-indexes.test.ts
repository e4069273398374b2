import { Dao } from './dao';
import { KongDbError } from './errors';
import { MemoryStore } from './memory-store';

function setup(): { dao: Dao; store: MemoryStore } {
  const store = new MemoryStore();
  return { dao: new Dao(store), store };
}

function errorOf(fn: () => unknown): { code: number; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KongDbError) return { code: err.code, message: err.message };
  }
  return undefined;
}

const ids = (rows: readonly { id?: unknown }[]): unknown[] => rows.map((r) => r.id);

describe('Dao unique indexes', () => {
  it('follows renames and deletes of a unique field', () => {
    const { dao } = setup();
    const first = dao.insert('services', { name: 'a', host: 'h' });
    expect(errorOf(() => dao.insert('services', { name: 'a', host: 'h' }))?.code).toBe(5);
    const renamed = dao.update('services', first, { name: 'b' });
    expect(dao.find('services', 'a')).toBeUndefined();
    expect(dao.find('services', 'b')?.id).toBe(first.id);
    expect(dao.insert('services', { name: 'a', host: 'h' }).name).toBe('a');
    expect(errorOf(() => dao.insert('services', { name: 'b', host: 'h' }))).toEqual({
      code: 5,
      message: `UNIQUE violation detected on '{name="b"}'`,
    });
    dao.delete('services', renamed);
    expect(dao.insert('services', { name: 'b', host: 'h' }).name).toBe('b');
  });

  it('lets a row keep its own unique values on PUT and PATCH', () => {
    const { dao } = setup();
    const row = dao.insert('services', { name: 'a', host: 'h' });
    expect(dao.upsert('services', 'a', { host: 'h2' }).id).toBe(row.id);
    const current = dao.find('services', 'a');
    expect(current && dao.update('services', current, { name: 'a' }).host).toBe('h2');
  });

  it('enforces composite keys of targets, acls and plugins', () => {
    const { dao } = setup();
    const upstream = dao.insert('upstreams', { name: 'u' });
    const other = dao.insert('upstreams', { name: 'v' });
    dao.insert('targets', { target: 'a:1', upstream: { id: upstream.id } });
    expect(
      errorOf(() => dao.insert('targets', { target: 'a:1', upstream: { id: upstream.id } })),
    ).toEqual({
      code: 5,
      message: `UNIQUE violation detected on '{target="a:1",upstream={id="${String(upstream.id)}"}}'`,
    });
    expect(dao.insert('targets', { target: 'a:1', upstream: { id: other.id } }).target).toBe('a:1');

    const consumer = dao.insert('consumers', { username: 'c' });
    dao.insert('acls', { consumer: { id: consumer.id }, group: 'g' });
    expect(
      errorOf(() => dao.insert('acls', { consumer: { id: consumer.id }, group: 'g' }))?.code,
    ).toBe(5);

    const s1 = dao.insert('services', { host: 'h' });
    const s2 = dao.insert('services', { host: 'h' });
    const plugin = dao.insert('plugins', { name: 'key-auth', service: { id: s1.id } });
    expect(
      errorOf(() => dao.insert('plugins', { name: 'key-auth', service: { id: s1.id } }))?.code,
    ).toBe(5);
    dao.update('plugins', plugin, { service: { id: s2.id } });
    expect(dao.insert('plugins', { name: 'key-auth', service: { id: s1.id } }).name).toBe(
      'key-auth',
    );
  });

  it('frees composite keys of cascaded children and still restricts deletes', () => {
    const { dao, store } = setup();
    const upstream = dao.insert('upstreams', { name: 'u' });
    dao.insert('targets', { target: 'a:1', upstream: { id: upstream.id } });
    dao.delete('upstreams', upstream);
    expect(store.rows('targets')).toHaveLength(0);
    const again = dao.insert('upstreams', { name: 'u' });
    expect(dao.insert('targets', { target: 'a:1', upstream: { id: again.id } }).target).toBe('a:1');

    const service = dao.insert('services', { host: 'h' });
    dao.insert('routes', { paths: ['/'], service: { id: service.id } });
    expect(errorOf(() => dao.delete('services', service))?.code).toBe(4);
    expect(store.rows('services')).toHaveLength(1);
  });

  it('rebuilds its indexes after a DB-less style replaceAll', () => {
    const { dao, store } = setup();
    const seed = dao.insert('services', { name: 'old', host: 'h' });
    const loaded = { ...seed, id: '00000000-0000-4000-8000-000000000001', name: 'new' };
    store.replaceAll({ services: [loaded] });
    expect(dao.find('services', 'old')).toBeUndefined();
    expect(dao.find('services', 'new')?.id).toBe(loaded.id);
    expect(errorOf(() => dao.insert('services', { name: 'new', host: 'h' }))?.code).toBe(5);
    expect(dao.insert('services', { name: 'old', host: 'h' }).name).toBe('old');
  });
});

describe('MemoryStore sorted lists', () => {
  it('keeps rows ordered by id across writes and hands out stable snapshots', () => {
    const { dao, store } = setup();
    const made = Array.from({ length: 40 }, (_, i) => dao.insert('services', { host: `h${i}` }));
    const before = store.rows('services');
    const beforeIds = ids(before);
    for (const row of made.slice(0, 10)) dao.delete('services', row);
    const kept = made[20];
    if (kept) dao.update('services', kept, { host: 'patched' });
    dao.insert('services', { host: 'late' });
    expect(ids(before)).toEqual(beforeIds);
    const after = store.rows('services');
    const sortedIds = [...ids(after)].sort();
    expect(ids(after)).toEqual(sortedIds);
    expect(after).toHaveLength(31);
    expect(after.find((r) => r.id === kept?.id)?.host).toBe('patched');
  });
});
