/**
 * Property-based fuzzing of every registry endpoint (fast-check): hostile paths, query strings,
 * headers and bodies. Two properties hold for every input: the reply is never a 5xx (and always
 * `{code, message}` when it is an error), and a refused request writes nothing (every key under the
 * test's Redis prefix is byte-identical before and after). Run counts scale with KR_FUZZ_RUNS.
 */
import fc from 'fast-check';
import request from 'supertest';
import { createTestRegistry, type TestRegistry } from './registry';
import { recordFigure } from './figures';
import {
  anyBody,
  encodeSegment,
  headerSet,
  kongBound,
  nasty,
  registrationBody,
  segment,
  sendableHeaders,
  type FuzzInput,
} from './fuzz-inputs';

/** Defines the fuzz suite with `RUNS` runs per property (the biggest properties take 3x). */
export function describeFuzz(label: string, RUNS: number): void {
  describe(`reliability/fuzz (${label}): registry endpoints`, () => {
    let reg: TestRegistry;
    let tried = 0;
    let refused = 0;
    let accepted = 0;
    const statuses = new Map<number, number>();

    beforeAll(async () => {
      reg = await createTestRegistry({
        env: { REGISTRY_RATE_LIMIT_BURST: '1000000', REGISTRY_RATE_LIMIT_PER_SECOND: '100000' },
      });
      const admin = `Bearer ${reg.admin}`;
      await request(reg.app)
        .put('/v1/services/orders/instances/i-1')
        .set('Authorization', admin)
        .send({ host: '10.0.0.1', port: 8080 })
        .expect(201);
      await request(reg.app)
        .post('/v1/consumers')
        .set('Authorization', admin)
        .send({ username: 'alice' })
        .expect(201);
    });
    afterAll(async () => {
      recordFigure(`fuzz-${label}`, 'inputs tried', tried);
      recordFigure(`fuzz-${label}`, 'inputs refused (4xx, nothing written)', refused);
      recordFigure(`fuzz-${label}`, 'inputs accepted (2xx)', accepted);
      recordFigure(`fuzz-${label}`, 'statuses', JSON.stringify(Object.fromEntries(statuses)));
      await reg.close();
    });

    /** Sends one input and checks both properties. */
    async function check(input: FuzzInput, token: string = reg.admin): Promise<void> {
      const before = await reg.snapshot();
      let req = request(reg.app)[input.method](input.path).set('Authorization', `Bearer ${token}`);
      for (const [name, value] of Object.entries(sendableHeaders(input.headers ?? {})))
        req = req.set(name, value);
      if (input.raw !== undefined) {
        if (input.headers?.['content-type'] === undefined)
          req = req.set('Content-Type', 'application/json');
        req = req.send(input.raw);
      }
      // An accepted GET /v1/events would stream forever; a short timeout ends it (counted as 200).
      const res = await req
        .timeout(input.path.startsWith('/v1/events') ? 300 : 10_000)
        .catch((err: unknown) => {
          if ((err as { timeout?: number }).timeout !== undefined) return undefined;
          throw err;
        });
      tried += 1;
      const status = res?.status ?? 200;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) {
        throw new Error(
          `${input.method.toUpperCase()} ${input.path} -> ${status} ${res?.text ?? ''}`,
        );
      }
      if (status >= 400) {
        refused += 1;
        expect(res?.body).toEqual(
          expect.objectContaining({
            code: expect.stringMatching(/^REG_ERR_/),
            message: expect.any(String),
          }),
        );
        expect(await reg.snapshot()).toEqual(before);
      } else {
        accepted += 1;
        if (res) expectKongSafe(res.body);
      }
    }

    /** Whatever was accepted carries nothing into Kong that could split a header or a path. */
    function expectKongSafe(body: unknown): void {
      const reply = body as { instance?: { host?: unknown }; definition?: Record<string, unknown> };
      if (!reply.definition || !reply.instance) return;
      const healthCheck = reply.definition.healthCheck as { path?: unknown } | undefined;
      const auth = reply.definition.auth as { allowGroups?: unknown[] } | undefined;
      const values = [
        reply.instance.host,
        reply.definition.prefix,
        healthCheck?.path,
        ...(auth?.allowGroups ?? []),
      ];
      for (const value of values) expect(String(value)).toMatch(/^[\x21-\x7e]+$/);
    }

    it('PUT /v1/services/:service/instances/:id (registration): hostile paths and bodies', async () => {
      await fc.assert(
        fc.asyncProperty(
          segment,
          segment,
          fc.oneof(registrationBody, anyBody),
          async (svc, id, raw) => {
            await check({ method: 'put', path: `/v1/services/${svc}/instances/${id}`, raw });
          },
        ),
        { numRuns: RUNS * 3 },
      );
    });

    it('PUT registration of a fixed instance: hostile bodies only (the values that reach Kong)', async () => {
      await fc.assert(
        fc.asyncProperty(registrationBody, async (raw) => {
          await check(
            { method: 'put', path: '/v1/services/shop/instances/s-1', raw },
            reg.tokenFor('shop'),
          );
        }),
        { numRuns: RUNS * 3 },
      );
    });

    it('heartbeat, drain, deregister and gateway-health: hostile paths, queries and bodies', async () => {
      const query = fc.oneof(
        fc.constant(''),
        fc.tuple(nasty, nasty).map(([k, v]) => `?${encodeSegment(k)}=${encodeSegment(v)}`),
        fc.constantFrom(
          '?drain=maybe',
          '?drain=true&drain=false',
          '?drain[]=true',
          '?drain[a]=1',
          '?%zz=1',
        ),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('heartbeat', 'drain', 'deregister', 'gateway-health'),
          segment,
          segment,
          query,
          anyBody,
          async (kind, svc, id, q, raw) => {
            const base = `/v1/services/${svc}/instances/${id}`;
            const input: FuzzInput =
              kind === 'heartbeat'
                ? { method: 'put', path: `${base}/heartbeat${q}`, raw }
                : kind === 'gateway-health'
                  ? { method: 'put', path: `${base}/gateway-health${q}`, raw }
                  : { method: 'delete', path: `${base}${q}` };
            await check(input);
          },
        ),
        { numRuns: RUNS * 3 },
      );
    });

    it('read endpoints: hostile paths, queries and headers', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            '/v1/services',
            '/v1/services/',
            '/v1/routes',
            '/v1/state',
            '/v1/events',
            '/v1/consumers',
          ),
          segment,
          fc.tuple(nasty, nasty).map(([k, v]) => `?${encodeSegment(k)}=${encodeSegment(v)}`),
          headerSet,
          async (base, seg, q, headers) => {
            const path = base.endsWith('/') ? `${base}${seg}` : base;
            // Only hostile resume ids for the event stream: a valid one opens a live stream.
            const eventsHeaders =
              base === '/v1/events'
                ? { ...headers, 'last-event-id': headers['last-event-id'] ?? 'x' }
                : headers;
            await check({ method: 'get', path: `${path}${q}`, headers: eventsHeaders });
          },
        ),
        { numRuns: RUNS * 2 },
      );
    });

    it('consumer management: hostile usernames, ids and bodies', async () => {
      const consumerBody = fc.oneof(
        anyBody,
        fc
          .record(
            {
              username: fc.oneof(kongBound, fc.constant('bob')),
              customId: fc.oneof(nasty, fc.anything()),
              groups: fc.oneof(fc.array(kongBound, { maxLength: 70 }), fc.anything()),
              type: fc.oneof(fc.constantFrom('key-auth', 'jwt', 'basic-auth'), nasty),
              key: fc.oneof(kongBound, fc.string({ minLength: 16, maxLength: 300 })),
              algorithm: fc.oneof(fc.constantFrom('HS256', 'RS256', 'none'), nasty),
              rsaPublicKey: fc.oneof(
                nasty,
                fc.constant('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
              ),
            },
            { requiredKeys: [] },
          )
          .map((b) => JSON.stringify(b)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            'create',
            'patch',
            'get',
            'delete',
            'add-credential',
            'delete-credential',
          ),
          fc.oneof(segment, fc.constant('alice')),
          segment,
          consumerBody,
          async (kind, user, id, raw) => {
            const input: FuzzInput = {
              create: { method: 'post' as const, path: '/v1/consumers', raw },
              patch: { method: 'patch' as const, path: `/v1/consumers/${user}`, raw },
              get: { method: 'get' as const, path: `/v1/consumers/${user}` },
              delete: { method: 'delete' as const, path: `/v1/consumers/${user}x` },
              'add-credential': {
                method: 'post' as const,
                path: `/v1/consumers/${user}/credentials`,
                raw,
              },
              'delete-credential': {
                method: 'delete' as const,
                path: `/v1/consumers/${user}/credentials/${id}`,
              },
            }[kind];
            await check(input);
          },
        ),
        { numRuns: RUNS * 3 },
      );
    });

    it('bodies under hostile headers: content types, encodings, charsets', async () => {
      await fc.assert(
        fc.asyncProperty(headerSet, fc.oneof(registrationBody, anyBody), async (headers, raw) => {
          await check({ method: 'put', path: '/v1/services/orders/instances/i-9', headers, raw });
        }),
        { numRuns: RUNS * 2 },
      );
    });

    it('oversize bodies are 413 and deep nesting is 400, both writing nothing', async () => {
      const limit = reg.config.bodyLimitBytes;
      const big = JSON.stringify({
        host: '10.0.0.1',
        port: 8080,
        metadata: { a: 'x'.repeat(limit) },
      });
      const before = await reg.snapshot();
      const res = await request(reg.app)
        .put('/v1/services/orders/instances/i-big')
        .set('Authorization', `Bearer ${reg.admin}`)
        .set('Content-Type', 'application/json')
        .send(big);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'REG_ERR_PAYLOAD_TOO_LARGE' });
      for (const depth of [1_000, 10_000, 30_000]) {
        const deep = `{"host":"10.0.0.1","port":8080,"metadata":${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}}`;
        const nested = await request(reg.app)
          .put('/v1/services/orders/instances/i-deep')
          .set('Authorization', `Bearer ${reg.admin}`)
          .set('Content-Type', 'application/json')
          .send(deep);
        expect(nested.status).toBeGreaterThanOrEqual(400);
        expect(nested.status).toBeLessThan(500);
      }
      expect(await reg.snapshot()).toEqual(before);
      tried += 4;
    });

    it('control characters and odd Unicode in metadata are stored and read back exactly', async () => {
      const value = 'tab\tcr\rlf\nnul\u0000bidi\u202ebom\ufeff𝓸';
      const res = await request(reg.app)
        .put('/v1/services/meta/instances/m-1')
        .set('Authorization', `Bearer ${reg.admin}`)
        .send({ host: '10.0.0.1', port: 8080, metadata: { note: value } });
      expect(res.status).toBe(201);
      const read = await request(reg.app)
        .get('/v1/services/meta')
        .set('Authorization', `Bearer ${reg.admin}`);
      expect(read.status).toBe(200);
      expect(read.body.instances[0].metadata.note).toBe(value);
      tried += 1;
    });
  });
}
