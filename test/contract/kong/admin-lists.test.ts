// List pagination and tag filters (kong-sim/KONG_BEHAVIOUR.md#lists-paging-and-tags).
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
let tag: string;
const ids: string[] = [];
beforeAll(async () => {
  kong = await startKongTarget();
  tag = uniqueName('page');
  for (let i = 0; i < 5; i++) {
    const extra = i % 2 === 0 ? ['even'] : ['odd'];
    const res = await adminCall(kong, 'POST', '/consumers', {
      body: { username: uniqueName('c'), tags: [tag, ...extra, `${tag}-${i}`] },
    });
    ids.push(res.body.id as string);
  }
});
afterAll(async () => {
  for (const id of ids) await adminCall(kong, 'DELETE', `/consumers/${id}`);
  await kong.close();
});

describe('pagination', () => {
  it('pages with size, an opaque offset and next; the last page has no offset key', async () => {
    const seen: string[] = [];
    let path: string | null = `/consumers?tags=${tag}&size=2`;
    let pages = 0;
    while (path) {
      const res = await adminCall(kong, 'GET', path);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as Array<{ id: string }>).map((c) => c.id));
      pages++;
      if (res.body.next === null) {
        expect('offset' in res.body).toBe(false);
      } else {
        expect(typeof res.body.offset).toBe('string');
        expect(res.body.next).toBe(
          `/consumers?offset=${encodeURIComponent(res.body.offset as string)}&tags=${tag}&size=2`,
        );
      }
      path = res.body.next as string | null;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());
  });

  it('returns {"data":[],"next":null} for an empty list', async () => {
    const res = await adminCall(kong, 'GET', `/consumers?tags=${uniqueName('none')}`);
    expect(res.body).toEqual({ data: [], next: null });
  });

  it('rejects a size outside 1..1000 and a non-numeric size with code 9', async () => {
    const big = await adminCall(kong, 'GET', '/services?size=1001');
    expect(big.status).toBe(400);
    expect(big.body).toEqual({
      code: 9,
      name: 'invalid size',
      message: 'size must be an integer between 1 and 1000',
    });
    const nan = await adminCall(kong, 'GET', '/services?size=abc');
    expect(nan.body.message).toBe('size must be a number');
  });

  it('rejects an invalid offset with code 7', async () => {
    const res = await adminCall(kong, 'GET', '/services?offset=x!x');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 7,
      name: 'invalid offset',
      message: "'x!x' is not a valid offset: bad base64 encoding",
    });
  });
});

describe('tags', () => {
  it('ANDs tags joined by a comma', async () => {
    const res = await adminCall(kong, 'GET', `/consumers?tags=${tag},even`);
    expect(res.body.data).toHaveLength(3);
  });

  it('ORs tags joined by a slash', async () => {
    const res = await adminCall(kong, 'GET', `/consumers?tags=${tag}-0/${tag}-1`);
    expect(res.body.data).toHaveLength(2);
  });

  it('rejects mixing , and / with code 11 and an options key', async () => {
    const res = await adminCall(kong, 'GET', '/consumers?tags=a,b/c');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 11,
      name: 'invalid options',
      message: 'invalid option (tags: invalid filter syntax)',
      options: { tags: 'invalid filter syntax' },
    });
  });

  it('rejects an empty tags value and more than 5 tags', async () => {
    expect((await adminCall(kong, 'GET', '/consumers?tags=')).body.message).toBe(
      'invalid option (tags: cannot be null)',
    );
    expect((await adminCall(kong, 'GET', '/consumers?tags=a,b,c,d,e,f')).body.message).toBe(
      'invalid option (tags: cannot query more than 5 tags)',
    );
  });

  it('ignores tags on nested lists', async () => {
    const consumer = ids[0] as string;
    await adminCall(kong, 'POST', `/consumers/${consumer}/acls`, {
      body: { group: 'g1', tags: ['x'] },
    });
    const res = await adminCall(kong, 'GET', `/consumers/${consumer}/acls?tags=not-there`);
    expect(res.body.data).toHaveLength(1);
  });

  it('rejects a stored tag with , or / as a schema violation', async () => {
    const res = await adminCall(kong, 'POST', '/consumers', {
      body: { username: uniqueName('c'), tags: ['a,b'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields.tags).toEqual([
      "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
    ]);
  });

  it('lists tagged entities on /tags/{tag} as {tag, entity_name, entity_id}', async () => {
    const res = await adminCall(kong, 'GET', `/tags/${tag}-0`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { tag: `${tag}-0`, entity_name: 'consumers', entity_id: ids[0] },
    ]);
  });
});
