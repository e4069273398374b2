import type { AdminClientOptions, KongAdminClient } from '../admin-api/client';
import { KongApiError } from '../admin-api/errors';
import { DEFAULT_OWNERSHIP_TAG } from '../naming';
import { readKongLists } from './read';

type Options = Pick<AdminClientOptions, 'baseUrl'>;

/** A client whose lists answer on a later macrotask, recording paths and the peak in flight. */
function fakeClient(upstreams: number, options: Options = { baseUrl: 'http://kong' }) {
  let inFlight = 0;
  let peakTargets = 0;
  const paths: string[] = [];
  const owned = { tags: [DEFAULT_OWNERSHIP_TAG] };
  const listAll = async (path: string): Promise<unknown[]> => {
    paths.push(path);
    const targets = path.endsWith('/targets');
    if (targets) inFlight++;
    peakTargets = Math.max(peakTargets, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    if (targets) inFlight--;
    if (path === '/upstreams')
      return [
        ...Array.from({ length: upstreams }, (_, i) => ({ id: `u${i}`, ...owned })),
        { id: 'theirs', tags: ['someone-else'] },
      ];
    if (targets) return [{ id: `t-${path.split('/')[2]}`, ...owned }];
    return [];
  };
  const client = { ...options, listAll } as unknown as KongAdminClient;
  return { client, paths, peak: () => peakTargets };
}

describe('readKongLists', () => {
  it('reads the targets of owned upstreams only, with at most `concurrency` lists in flight', async () => {
    const fake = fakeClient(40);
    const lists = await readKongLists(fake.client, DEFAULT_OWNERSHIP_TAG, 10);
    expect(fake.peak()).toBe(10);
    expect(fake.paths).not.toContain('/upstreams/theirs/targets');
    // Results keep the order of the upstreams, whatever order the reads finished in.
    expect(lists.targets?.map((t) => t.id)).toEqual(
      Array.from({ length: 40 }, (_, i) => `t-u${i}`),
    );
  });

  it('reads one upstream at a time with concurrency 1', async () => {
    const fake = fakeClient(5);
    await readKongLists(fake.client, DEFAULT_OWNERSHIP_TAG, 1);
    expect(fake.peak()).toBe(1);
  });

  it('reads an upstream that went after the listing (404) as having no targets; other errors fail', async () => {
    const fake = fakeClient(3);
    const gone = (status: number) => async (path: string) => {
      if (path === '/upstreams/u1/targets')
        throw new KongApiError('GET', path, status, { message: 'Not found' });
      return fake.client.listAll(path);
    };
    const client = (status: number) =>
      ({ ...fake.client, listAll: gone(status) }) as unknown as KongAdminClient;
    const lists = await readKongLists(client(404), DEFAULT_OWNERSHIP_TAG, 10);
    expect(lists.targets?.map((t) => t.id)).toEqual(['t-u0', 't-u2']);
    await expect(readKongLists(client(500), DEFAULT_OWNERSHIP_TAG, 10)).rejects.toThrow('-> 500');
  });
});
