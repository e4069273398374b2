import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SELF_HEALTH_DETAIL_MAX_LENGTH } from './rules';
import {
  evaluateHealth,
  healthHandler,
  selfHealthReport,
  type HealthHandlerOptions,
  type HealthSource,
} from './health';

const source = (isDraining: boolean): HealthSource => ({
  isDraining,
  state: isDraining ? 'draining' : 'registered',
  service: 'orders',
  instanceId: 'i-1',
});

describe('evaluateHealth', () => {
  it('is 200 ok with the instance facts', async () => {
    await expect(evaluateHealth(source(false))).resolves.toEqual({
      statusCode: 200,
      body: { status: 'ok', service: 'orders', instanceId: 'i-1', state: 'registered', checks: {} },
    });
  });

  it('is 503 while draining', async () => {
    const { statusCode, body } = await evaluateHealth(source(true));
    expect(statusCode).toBe(503);
    expect(body.status).toBe('draining');
  });

  it('is 503 when a check returns false, throws, rejects or is too slow', async () => {
    const options: HealthHandlerOptions = {
      timeoutMs: 20,
      checks: {
        fine: () => true,
        undefinedIsFine: () => undefined,
        no: () => false,
        throws: () => {
          throw new Error('db down');
        },
        rejects: () => Promise.reject(new Error('queue down')),
        slow: () => new Promise(() => undefined),
      },
    };
    const { statusCode, body } = await evaluateHealth(undefined, options);
    expect(statusCode).toBe(503);
    expect(body.status).toBe('failing');
    expect(body.checks).toEqual({
      fine: { ok: true },
      undefinedIsFine: { ok: true },
      no: { ok: false, error: 'check returned false' },
      throws: { ok: false, error: 'db down' },
      rejects: { ok: false, error: 'queue down' },
      slow: { ok: false, error: 'no answer within 20 ms' },
    });
  });
});

describe('healthHandler as a Node request listener', () => {
  let server: Server;
  let draining = false;

  beforeAll(async () => {
    const handle = {
      get isDraining() {
        return draining;
      },
      state: 'registered',
      service: 'orders',
      instanceId: 'i-1',
    };
    server = createServer(healthHandler(handle));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function probe(
    method: string,
  ): Promise<{ status: number; type: string | undefined; text: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, method, path: '/health' }, (res) => {
        let text = '';
        res.on('data', (c) => (text += String(c)));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text }),
        );
      })
        .on('error', reject)
        .end();
    });
  }

  it('answers JSON 200, then 503 once draining; HEAD has no body', async () => {
    const ok = await probe('GET');
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('application/json');
    expect(JSON.parse(ok.text)).toMatchObject({ status: 'ok' });
    draining = true;
    const down = await probe('GET');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({ status: 'draining' });
    const head = await probe('HEAD');
    expect(head).toMatchObject({ status: 503, text: '' });
  });
});

describe('selfHealthReport', () => {
  it('is healthy when every check passes, or with no checks', async () => {
    expect(await selfHealthReport({})).toEqual({ status: 'healthy' });
    expect(await selfHealthReport({ checks: { db: () => true, q: async () => 1 } })).toEqual({
      status: 'healthy',
    });
  });

  it('names each failing check, clipped to the detail limit', async () => {
    const report = await selfHealthReport({
      checks: {
        ok: () => true,
        db: () => false,
        queue: () => {
          throw new Error('broker unreachable');
        },
      },
    });
    expect(report).toEqual({
      status: 'unhealthy',
      detail: 'db: check returned false; queue: broker unreachable',
    });
    const long = await selfHealthReport({
      checks: {
        x: () => {
          throw new Error('e'.repeat(500));
        },
      },
    });
    expect(long.detail).toHaveLength(SELF_HEALTH_DETAIL_MAX_LENGTH);
    expect(long.detail?.endsWith('...')).toBe(true);
  });
});
