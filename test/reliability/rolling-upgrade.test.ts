/**
 * A rolling upgrade: the previous release (built from git, support/previous-release.ts) and this
 * one share one Redis while registrations flow through both, then the old one stops.
 *
 * The previous release keeps the prefix index but knows nothing of the stored-data format stamp,
 * so it writes format 1 (unstamped) data and goes on writing after this release has stamped it
 * format 2. This release must notice every such write (the index watermark) and still refuse
 * every nested prefix, whichever registry holds the other claim; no instance may be lost when the
 * old one stops; and once it has, the new one must be back on its index with nothing done by hand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import {
  mintToken,
  RegistryKeys,
  SCHEMA_VERSION,
  type RunningRegistry,
} from '@kong-registry/registry';
import { register, type RegistrationHandle } from '@kong-registry/sdk';
import { freePort } from '../helpers/ports';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { recordFigure } from './support/figures';
import { previousRelease, type PreviousRelease } from './support/previous-release';
import { startTestRegistry, STACK_SECRET } from './support/stack';

const SUITE = 'rolling-upgrade';
/** Services per fleet, two SDK instances each. */
const FLEET = 4;
/** Rounds of prefix churn through the old registry checked through the new one. */
const ROUNDS = 12;
/** Concurrent claims of nested prefixes, one through each registry. */
const RACES = 12;

/** A prefix nests in another segment by segment (/a and /a/b; not /a and /ab). */
const nests = (a: string, b: string): boolean => a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

describe('reliability/upgrade: the previous release and this one on one Redis', () => {
  let redisServer: RedisServerHandle | undefined;
  let redis: Redis | undefined;
  let old: ChildProcess | undefined;
  let fresh: RunningRegistry | undefined;
  const handles: RegistrationHandle[] = [];
  let release: PreviousRelease;

  // The first run on a machine installs and builds the previous release (about 25 s, more on a
  // busy machine); later runs find it built.
  beforeAll(() => {
    const started = Date.now();
    release = previousRelease();
    recordFigure(SUITE, 'previous release', release.commit);
    recordFigure(
      SUITE,
      'previous release built by this run (s)',
      release.built ? (Date.now() - started) / 1000 : 0,
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
    old?.kill('SIGKILL');
    await fresh?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('misses no prefix conflict, loses no instance, and needs no manual step', async () => {
    const started = Date.now();

    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    const keyPrefix = uniquePrefix('upgrade');
    const k = new RegistryKeys(keyPrefix);
    const commandCalls = async (name: string): Promise<number> => {
      const info = await redis!.info('commandstats');
      return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };

    // The old registry: the previous release's own command, as users run it.
    const oldPort = await freePort();
    const oldUrl = `http://127.0.0.1:${oldPort}`;
    let oldOutput = '';
    old = spawn(
      process.execPath,
      [release.bin, 'registry', '--port', String(oldPort), '--host', '127.0.0.1'],
      {
        cwd: release.dir,
        env: {
          PATH: process.env.PATH,
          REDIS_URL: redisServer.url,
          REGISTRY_KEY_PREFIX: keyPrefix,
          REGISTRY_JWT_SECRET: STACK_SECRET,
          REGISTRY_LEASE_TTL_SECONDS: '3',
          REGISTRY_LEASE_MIN_TTL_SECONDS: '1',
          REGISTRY_REAPER_INTERVAL_MS: '200',
          REGISTRY_RATE_LIMIT_BURST: '100000',
          REGISTRY_RATE_LIMIT_PER_SECOND: '100000',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    old.stdout?.on('data', (d: Buffer) => (oldOutput += d.toString()));
    old.stderr?.on('data', (d: Buffer) => (oldOutput += d.toString()));
    const oldExited = new Promise((resolve) => old?.once('exit', resolve));
    await waitFor(async () => (await fetch(`${oldUrl}/readyz`)).status === 200, {
      timeoutMs: 20_000,
      what: 'the previous release',
    }).catch((err: Error) => {
      throw new Error(`${err.message}; output: ${oldOutput.slice(-500)}`);
    });

    // The new registry's port is known before it starts, so SDK instances can list both.
    const freshPort = await freePort();
    const freshUrl = `http://127.0.0.1:${freshPort}`;
    const keys = { algorithm: 'HS256' as const, secret: STACK_SECRET };
    const tokenFor = (service: string): string =>
      mintToken(keys, { role: 'service', service }, { ttlSeconds: 3600 });
    const admin = mintToken(keys, { role: 'admin' }, { ttlSeconds: 3600 });

    let lost = 0;
    const beats = new Map<RegistrationHandle, number>();
    const startInstances = async (fleet: string, urls: string[]): Promise<void> => {
      for (let s = 0; s < FLEET; s += 1) {
        for (let i = 0; i < 2; i += 1) {
          const handle = await register({
            registryUrl: urls,
            token: tokenFor(`${fleet}${s}`),
            service: `${fleet}${s}`,
            host: '127.0.0.1',
            port: 20_000 + handles.length,
            ttlSeconds: 3,
            retry: { initialDelayMs: 50, maxDelayMs: 200 },
            requestTimeoutMs: 1000,
          });
          handle.on('lost', () => (lost += 1));
          handle.on('heartbeat', () => beats.set(handle, (beats.get(handle) ?? 0) + 1));
          handles.push(handle);
        }
      }
    };

    // Fleet A registers through the old registry alone: format 1, no stamp.
    await startInstances('a', [oldUrl, freshUrl]);
    expect(await redis.exists(k.schema)).toBe(0);

    fresh = await startTestRegistry(redisServer.url, keyPrefix, {}, freshPort);
    // Fleet B registers through the new one, whose first write stamps the data.
    await startInstances('b', [freshUrl, oldUrl]);
    expect(await redis.hget(k.schema, 'version')).toBe(String(SCHEMA_VERSION));
    // The old registry knows nothing of the stamp and keeps working.
    expect((await fetch(`${oldUrl}/readyz`)).status).toBe(200);
    expect(await fetch(`${freshUrl}/readyz`).then((r) => r.json())).toMatchObject({
      status: 'ready',
      schema: { stored: SCHEMA_VERSION, supported: SCHEMA_VERSION },
    });

    /** Registrations sent to the new registry (for the share of them checked by a scan). */
    let freshPuts = 0;
    const put = async (
      url: string,
      service: string,
      id: string,
      prefix: string,
    ): Promise<number> => {
      if (url === freshUrl) freshPuts += 1;
      const res = await fetch(`${url}/v1/services/${service}/instances/${id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${tokenFor(service)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ host: '10.1.0.1', port: 8080, ttlSeconds: 300, prefix }),
      });
      await res.text();
      return res.status;
    };
    const remove = async (url: string, service: string, id: string): Promise<number> => {
      const res = await fetch(`${url}/v1/services/${service}/instances/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tokenFor(service)}` },
      });
      await res.text();
      return res.status;
    };
    const scansBefore = await commandCalls('hgetall');
    const freshPutsBefore = freshPuts;

    // Registrations flow through both while prefixes change: each round claims a nested prefix
    // through the old registry and releases the last round's, the same number of prefixes as
    // before (the case the index's size check alone missed), and then asks the new one for the
    // parent prefix (refused: nested) and for last round's (free again, taken, given back).
    const probes = { refused: 0, tried: 0 };
    const acked = { old: new Set<string>(), fresh: new Set<string>() };
    let churning = true;
    const churn = (['old', 'fresh'] as const).map((via) =>
      (async () => {
        for (let n = 0; churning; n += 1) {
          const id = `${via}-${n}`;
          if ((await put(via === 'old' ? oldUrl : freshUrl, 'fleet', id, '/fleet')) < 300)
            acked[via].add(id);
        }
      })(),
    );
    for (let r = 0; r < ROUNDS; r += 1) {
      expect(await put(oldUrl, `rot${r}`, 'i-1', `/rot${r}/api`)).toBe(201);
      if (r > 0) expect(await remove(oldUrl, `rot${r - 1}`, 'i-1')).toBe(204);
      probes.tried += 1;
      if ((await put(freshUrl, `probe${r}`, 'i-1', `/rot${r}`)) === 409) probes.refused += 1;
      if (r > 0) {
        expect(await put(freshUrl, `taker${r}`, 'i-1', `/rot${r - 1}`)).toBe(201);
        expect(await remove(freshUrl, `taker${r}`, 'i-1')).toBe(204);
      }
      // And the other way round: a claim through the new one, a nested one through the old.
      expect(await put(freshUrl, `deep${r}`, 'i-1', `/deep${r}/api`)).toBe(201);
      probes.tried += 2;
      if ((await put(oldUrl, `up${r}`, 'i-1', `/deep${r}`)) === 409) probes.refused += 1;
      if ((await put(oldUrl, `down${r}`, 'i-1', `/deep${r}/api/v1`)) === 409) probes.refused += 1;
    }
    // Each live fleet service's prefix, nested into through the other registry.
    for (let s = 0; s < FLEET; s += 1) {
      probes.tried += 2;
      if ((await put(freshUrl, `nest-a${s}`, 'i-1', `/a${s}/x`)) === 409) probes.refused += 1;
      if ((await put(oldUrl, `nest-b${s}`, 'i-1', `/b${s}/x`)) === 409) probes.refused += 1;
    }
    // Races: a parent and a nested prefix claimed at once, one through each registry.
    let singleWinners = 0;
    for (let j = 0; j < RACES; j += 1) {
      const [parentVia, childVia] = j % 2 === 0 ? [oldUrl, freshUrl] : [freshUrl, oldUrl];
      const outcomes = await Promise.all([
        put(parentVia, `race${j}p`, 'i-1', `/race${j}`),
        put(childVia, `race${j}c`, 'i-1', `/race${j}/sub`),
      ]);
      if (outcomes.filter((s) => s === 201).length === 1 && outcomes.includes(409))
        singleWinners += 1;
    }
    await waitFor(() => acked.old.size >= 100 && acked.fresh.size >= 100, {
      timeoutMs: 30_000,
      what: 'registrations through both registries',
    });
    churning = false;
    await Promise.all(churn);
    const scansMixed = (await commandCalls('hgetall')) - scansBefore;
    const freshPutsMixed = freshPuts - freshPutsBefore;

    expect(probes).toEqual({ refused: probes.tried, tried: 3 * ROUNDS + 2 * FLEET });
    // The new registry noticed the old one's writes: it checked by scanning the owners hash.
    expect(scansMixed).toBeGreaterThan(0);
    expect(singleWinners).toBe(RACES);
    const owners = await redis.hgetall(k.prefixes);
    const nestedPairs = Object.keys(owners).flatMap((a) =>
      Object.keys(owners)
        .filter((b) => a < b && nests(a, b) && owners[a] !== owners[b])
        .map((b) => `${a} (${owners[a]}) / ${b} (${owners[b]})`),
    );
    expect(nestedPairs).toEqual([]);

    // The old registry stops, as in the last step of a rolling upgrade.
    beats.clear();
    const stoppedAt = Date.now();
    old.kill('SIGTERM');
    await oldExited;
    const handlesOfA = handles.slice(0, 2 * FLEET);
    await waitFor(() => handlesOfA.every((h) => (beats.get(h) ?? 0) >= 2), {
      timeoutMs: 15_000,
      what: 'fleet A heartbeating through the new registry',
    });
    const failoverSeconds = (Date.now() - stoppedAt) / 1000;

    const state = (await fetch(`${freshUrl}/v1/state`, {
      headers: { authorization: `Bearer ${admin}` },
    }).then((r) => r.json())) as {
      services: { name: string; instances: { instanceId: string }[] }[];
    };
    const live = new Map(
      state.services.map((s) => [s.name, new Set(s.instances.map((i) => i.instanceId))]),
    );
    const missingSdk = handles.filter((h) => !live.get(h.service)?.has(h.instanceId));
    const fleet = live.get('fleet') ?? new Set<string>();
    const missingAcked = [...acked.old, ...acked.fresh].filter((id) => !fleet.has(id));
    const expired = (await redis.hvals(k.tombstones))
      .map((t) => JSON.parse(t) as { service: string; reason: string })
      .filter((t) => t.reason === 'expired');

    // Nothing by hand: the first write after the old registry rebuilds the index (one scan), and
    // from then on the prefix check runs on the index alone.
    expect(await put(freshUrl, 'after', 'i-1', '/after')).toBe(201);
    const livePrefixes = await redis.hkeys(k.prefixes);
    const scansAfterFirst = await commandCalls('hgetall');
    let refusedAfter = 0;
    for (const prefix of livePrefixes) {
      if ((await put(freshUrl, 'late', 'i-1', `${prefix}/late`)) === 409) refusedAfter += 1;
    }
    expect(await put(freshUrl, 'late', 'i-1', '/late')).toBe(201);
    const scansAfter = (await commandCalls('hgetall')) - scansAfterFirst;

    recordFigure(SUITE, 'registrations acknowledged through the previous release', acked.old.size);
    recordFigure(SUITE, 'registrations acknowledged through this release', acked.fresh.size);
    recordFigure(
      SUITE,
      'nested-prefix claims tried across registries / refused',
      `${probes.tried} / ${probes.refused}`,
    );
    recordFigure(
      SUITE,
      'concurrent parent/child claims with exactly one winner',
      `${singleWinners} / ${RACES}`,
    );
    recordFigure(
      SUITE,
      'registrations sent to this release while both ran / prefix checks by full scan',
      `${freshPutsMixed} / ${scansMixed}`,
    );
    recordFigure(SUITE, 'SDK instances / leases lost', `${handles.length} / ${lost}`);
    recordFigure(
      SUITE,
      'fleet A heartbeating through the new registry after the stop (s)',
      failoverSeconds,
    );
    recordFigure(
      SUITE,
      'nested claims after the stop refused / scans',
      `${refusedAfter} / ${scansAfter}`,
    );
    recordFigure(SUITE, 'test time (s)', (Date.now() - started) / 1000);

    expect(lost).toBe(0);
    expect(missingSdk.map((h) => `${h.service}/${h.instanceId}`)).toEqual([]);
    expect(missingAcked).toEqual([]);
    expect(expired).toEqual([]);
    expect(refusedAfter).toBe(livePrefixes.length);
    expect(scansAfter).toBe(0);
    expect(await redis.hget(k.schema, 'index-revision')).toBe(await redis.get(k.revision));
    expect(await redis.zrange(k.prefixIndex, 0, -1)).toEqual(
      (await redis.hkeys(k.prefixes)).sort(),
    );
    expect(await fetch(`${freshUrl}/readyz`).then((r) => r.status)).toBe(200);
  }, 90_000);
});
