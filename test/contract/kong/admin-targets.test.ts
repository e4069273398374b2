// Upstream targets and health endpoints (kong-sim/KONG_BEHAVIOUR.md#targets, #upstream-health-view,
// #manual-overrides-and-checker-lifetime).
import { adminCall, startKongTarget, uniqueName, type KongTarget } from './helpers/target';

let kong: KongTarget;
beforeAll(async () => {
  kong = await startKongTarget();
});
afterAll(() => kong.close());

async function upstream(extra: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('up');
  const res = await adminCall(kong, 'POST', '/upstreams', { body: { name, ...extra } });
  expect(res.status).toBe(201);
  return name;
}

describe('targets', () => {
  it('defaults the port to 8000, weight to 100, and uses float-second timestamps', async () => {
    const up = await upstream();
    const res = await adminCall(kong, 'POST', `/upstreams/${up}/targets`, {
      body: { target: '10.1.1.1' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ target: '10.1.1.1:8000', weight: 100, tags: null });
    expect(typeof res.body.created_at).toBe('number');
    expect(Object.keys(res.body).sort()).toEqual([
      'created_at',
      'id',
      'tags',
      'target',
      'updated_at',
      'upstream',
      'weight',
    ]);
  });

  it('rejects a duplicate target address in one upstream with 409', async () => {
    const up = await upstream();
    await adminCall(kong, 'POST', `/upstreams/${up}/targets`, { body: { target: '10.1.1.2:80' } });
    const dup = await adminCall(kong, 'POST', `/upstreams/${up}/targets`, {
      body: { target: '10.1.1.2:80' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe(5);
  });

  it('answers PUT on a missing target with 404 (not an upsert) and updates an existing one', async () => {
    const up = await upstream();
    const missing = await adminCall(
      kong,
      'PUT',
      `/upstreams/${up}/targets/00000000-0000-4000-8000-000000000001`,
      {
        body: { target: '10.0.0.9:80' },
      },
    );
    expect(missing.status).toBe(404);
    await adminCall(kong, 'POST', `/upstreams/${up}/targets`, { body: { target: '10.0.0.9:80' } });
    const updated = await adminCall(kong, 'PUT', `/upstreams/${up}/targets/10.0.0.9:80`, {
      body: { weight: 7 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ target: '10.0.0.9:80', weight: 7 });
  });

  it('lists targets newest first, weight 0 included, with a numeric offset', async () => {
    const up = await upstream();
    for (const [i, weight] of [100, 0, 50].entries()) {
      await adminCall(kong, 'POST', `/upstreams/${up}/targets`, {
        body: { target: `10.2.0.${i}:80`, weight },
      });
    }
    const page1 = await adminCall(kong, 'GET', `/upstreams/${up}/targets?size=2`);
    expect(page1.body.data.map((t: { target: string }) => t.target)).toEqual([
      '10.2.0.2:80',
      '10.2.0.1:80',
    ]);
    expect(page1.body.offset).toBe('2');
    expect(page1.body.next).toBe(`/upstreams/${up}/targets?offset=2`);
    const page2 = await adminCall(kong, 'GET', `/upstreams/${up}/targets?size=2&offset=2`);
    expect(page2.body.data.map((t: { target: string }) => t.target)).toEqual(['10.2.0.0:80']);
  });

  it('answers DELETE of a missing target with 404 and 405 on the collection path', async () => {
    const up = await upstream();
    expect((await adminCall(kong, 'DELETE', `/upstreams/${up}/targets/10.9.9.9:80`)).status).toBe(
      404,
    );
    expect((await adminCall(kong, 'DELETE', `/upstreams/${up}/targets`)).status).toBe(405);
  });
});

describe('health', () => {
  it('reports HEALTHCHECKS_OFF targets with node_id on /upstreams/{u}/health', async () => {
    const up = await upstream();
    await adminCall(kong, 'POST', `/upstreams/${up}/targets`, { body: { target: '127.0.0.1:1' } });
    const res = await adminCall(kong, 'GET', `/upstreams/${up}/health`);
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    expect(typeof res.body.node_id).toBe('string');
    expect(res.body.data[0]).toMatchObject({ target: '127.0.0.1:1', health: 'HEALTHCHECKS_OFF' });
    const balancer = await adminCall(kong, 'GET', `/upstreams/${up}/health?balancer_health=1`);
    expect(balancer.body.data).toMatchObject({
      health: 'HEALTHCHECKS_OFF',
      balancer_health: 'HEALTHY',
    });
  });

  it('refuses manual overrides without a health checker (400) and allows them with one (204)', async () => {
    const off = await upstream();
    await adminCall(kong, 'POST', `/upstreams/${off}/targets`, { body: { target: '127.0.0.1:2' } });
    const refused = await adminCall(kong, 'PUT', `/upstreams/${off}/targets/127.0.0.1:2/unhealthy`);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ message: `no healthchecker found for ${off}` });

    const on = await upstream({ healthchecks: { passive: { unhealthy: { http_failures: 3 } } } });
    await adminCall(kong, 'POST', `/upstreams/${on}/targets`, { body: { target: '127.0.0.1:3' } });
    const marked = await adminCall(kong, 'PUT', `/upstreams/${on}/targets/127.0.0.1:3/unhealthy`);
    expect(marked.status).toBe(204);
    const health = await adminCall(kong, 'GET', `/upstreams/${on}/health`);
    expect(health.body.data[0].health).toBe('UNHEALTHY');
    expect(
      (await adminCall(kong, 'POST', `/upstreams/${on}/targets/127.0.0.1:3/healthy`)).status,
    ).toBe(405);
    expect(
      (await adminCall(kong, 'PUT', `/upstreams/${on}/targets/127.0.0.1:9/healthy`)).status,
    ).toBe(404);
  });
});
