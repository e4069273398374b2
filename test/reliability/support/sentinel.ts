/**
 * A Redis Sentinel set-up of real processes on loopback, for the failover suites: a master, its
 * replicas, and three Sentinels (quorum 2) watching them, each on a free port with its own temp
 * folder. Tests SIGKILL the master and wait for the Sentinels to promote a replica.
 *
 * With `replicationLagMs`, the master sits behind a laggy link (test/helpers/laggy-link.ts): every client reaches it
 * at once, but the replication stream (both ways) is held back that long, as on a slow or remote
 * replica link; `crashMaster()` then SIGKILLs the master and cuts its link, dropping what was in
 * flight, as when the master's host dies. Without it, `crashMaster()` is a plain SIGKILL.
 */
import Redis from 'ioredis';
import { startLaggyLink, type LaggyLink } from '../../helpers/laggy-link';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

/** The master group name the Sentinels watch. */
export const SENTINEL_MASTER_NAME = 'kr-master';

/** Options of {@link startSentinelTopology}. */
export interface SentinelTopologyOptions {
  /** Replicas of the master. @default 1 */
  replicas?: number;
  /** Hold the replication stream back this long (ms), each way; the master's host can crash. */
  replicationLagMs?: number;
  /** Sentinel `down-after-milliseconds`. @default 1000 */
  downAfterMs?: number;
  /** Sentinel `failover-timeout`. @default 10000 */
  failoverTimeoutMs?: number;
}

/** One redis-server of the set-up (master or replica, roles change with failovers). */
export interface RedisNode {
  server: RedisServerHandle;
  port: number;
  /** Stopped by a crash (until `restartNode`). */
  down: boolean;
}

/** A running set-up. */
export interface SentinelTopology {
  name: string;
  /** `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`: REDIS_SENTINELS of the registries and controllers. */
  sentinelList: string;
  sentinels: RedisServerHandle[];
  nodes: RedisNode[];
  /** The master's port as the Sentinels name it (the link's port while the first master lives). */
  masterPort(): Promise<number>;
  /** The node that is master now (by the Sentinels), and the port clients reach it on. */
  master(): Promise<RedisNode>;
  /**
   * SIGKILLs `node` (the master: see `master()`), and with a laggy link cuts the link first,
   * dropping what it held. The signal is sent before this returns, so a caller can crash the
   * master at an exact moment (e.g. right as a write is acknowledged); the promise resolves once
   * the process is gone.
   */
  crash(node: RedisNode): Promise<void>;
  /** Waits until the Sentinels name a master other than `formerPort`; returns its port. */
  waitForNewMaster(formerPort: number, timeoutMs?: number): Promise<number>;
  /**
   * Starts a crashed node again, empty, and makes it a replica of the current master at once (as
   * an init script that asks the Sentinels would; left alone, the Sentinels would convert it
   * some 8 s after it came back). Only once the failover is over: an empty master back before
   * the Sentinels promote a replica would be resynced from, and everything lost.
   */
  restartNode(node: RedisNode): Promise<void>;
  /** Waits until the current master has `n` replicas past their first sync. */
  waitForReplicas(n: number, timeoutMs?: number): Promise<void>;
  /** What the laggy link dropped at the crash (bytes of the replication stream), if any. */
  droppedBytes(): number;
  /**
   * The Sentinels' events since `since` (epoch ms), each as `s<i> <event>` (`+sdown`, `+odown`,
   * `+try-failover`, `+vote-for-leader`, `-failover-abort-no-good-slave`, `+switch-master`...):
   * why a failover took as long as it did.
   */
  events(since?: number): { at: number; event: string }[];
  /** Each live node's replication state in one line (role, master, offset, replicas). */
  replicationState(): Promise<string[]>;
  close(): Promise<void>;
}

/** The INFO replication lines that tell who follows whom, and how far behind. */
const REPLICATION_FIELDS =
  /^(role|master_port|master_replid|master_repl_offset|connected_slaves|slave0)/;

/** A Redis client that retries forever and never throws on connection errors (for probes). */
function probe(port: number): Redis {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    retryStrategy: () => 100,
    lazyConnect: true,
  });
  client.on('error', () => undefined);
  return client;
}

/** Runs `use` with a client of the redis-server on `port` that rides out reconnects. */
export async function withProbe<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = probe(port);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** `SENTINEL get-master-addr-by-name` of one Sentinel. */
async function askSentinel(sentinel: RedisServerHandle, name: string): Promise<number | undefined> {
  return withProbe(sentinel.port, async (client) => {
    const reply = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as
      [string, string] | null;
    return reply ? Number(reply[1]) : undefined;
  });
}

/** Replicas of the master on `port` that finished their first sync. */
async function onlineReplicas(port: number): Promise<number> {
  return withProbe(
    port,
    async (client) => (await client.info('replication')).match(/state=online/g)?.length ?? 0,
  );
}

/** Starts the master, its replicas and three Sentinels, and waits until all of them agree. */
export async function startSentinelTopology(
  options: SentinelTopologyOptions = {},
): Promise<SentinelTopology> {
  const replicaCount = options.replicas ?? 1;
  const downAfter = options.downAfterMs ?? 1000;
  const failoverTimeout = options.failoverTimeoutMs ?? 10_000;
  // No 5 s wait for more replicas before a (diskless) full sync: replicas join at once.
  const serverArgs = ['--repl-diskless-sync-delay', '0', '--loglevel', 'warning'];
  const nodes: RedisNode[] = [];
  const sentinels: RedisServerHandle[] = [];
  let link: LaggyLink | undefined;
  const cleanup = async (): Promise<void> => {
    await link?.close();
    await Promise.all(sentinels.map((s) => s.stop()));
    await Promise.all(nodes.map((n) => n.server.stop()));
  };
  try {
    const first = await startRedisServer({ args: serverArgs });
    nodes.push({ server: first, port: first.port, down: false });
    if (options.replicationLagMs !== undefined)
      link = await startLaggyLink(first.port, options.replicationLagMs);
    // Everyone, replicas and Sentinels included, reaches the first master at this port.
    const masterAddress = link?.port ?? first.port;
    for (let i = 0; i < replicaCount; i += 1) {
      // REPLICAOF by command, not on the command line: a restart then starts an empty server
      // that restartNode points at whoever is master by then.
      const replica = await startRedisServer({ args: serverArgs });
      await withProbe(replica.port, (c) => c.call('REPLICAOF', '127.0.0.1', String(masterAddress)));
      nodes.push({ server: replica, port: replica.port, down: false });
    }
    await waitFor(async () => (await onlineReplicas(first.port)) === replicaCount, {
      what: `${replicaCount} replica(s) in sync with the master`,
      timeoutMs: 15_000,
    });
    // Started after the replicas, so their first INFO of the master lists every replica.
    for (let i = 0; i < 3; i += 1) {
      sentinels.push(
        await startRedisServer({
          sentinel: true,
          args: [
            ...['--sentinel', 'monitor', SENTINEL_MASTER_NAME, '127.0.0.1'],
            ...[String(masterAddress), '2'],
            ...['--sentinel', 'down-after-milliseconds', SENTINEL_MASTER_NAME, String(downAfter)],
            ...['--sentinel', 'failover-timeout', SENTINEL_MASTER_NAME, String(failoverTimeout)],
            ...['--loglevel', 'warning'],
          ],
        }),
      );
    }
    // A failover needs the Sentinels to know each other (hello messages every 2 s) and the replicas.
    await waitFor(
      async () => {
        for (const sentinel of sentinels) {
          const [peers, replicas] = await withProbe(sentinel.port, async (client) => [
            (await client.call('SENTINEL', 'sentinels', SENTINEL_MASTER_NAME)) as unknown[],
            (await client.call('SENTINEL', 'replicas', SENTINEL_MASTER_NAME)) as unknown[],
          ]);
          if (peers.length !== 2 || replicas.length !== replicaCount) return false;
        }
        return true;
      },
      { what: 'three Sentinels that know each other and every replica', timeoutMs: 20_000 },
    );
  } catch (err) {
    await cleanup();
    throw err;
  }

  // Every event each Sentinel publishes (s0, s1, s2: who tried, who voted, who gave up).
  const events: { at: number; event: string }[] = [];
  const listeners = sentinels.map((sentinel, i) => {
    const listener = probe(sentinel.port);
    listener.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if (channel === '__sentinel__:hello') return;
      const words = message.split(' ').slice(0, 4).join(' ');
      events.push({ at: Date.now(), event: `s${i} ${channel} ${words}` });
    });
    return listener;
  });
  for (const listener of listeners) {
    await listener.connect();
    await listener.psubscribe('*');
  }

  const masterPort = async (): Promise<number> => {
    for (const sentinel of sentinels) {
      const port = await askSentinel(sentinel, SENTINEL_MASTER_NAME).catch(() => undefined);
      if (port !== undefined) return port;
    }
    throw new Error('no Sentinel names a master');
  };
  const nodeAt = (port: number): RedisNode => {
    const node = nodes.find(
      (n) => n.port === port || (link && port === link.port && n === nodes[0]),
    );
    if (!node) throw new Error(`no node listens on ${port}`);
    return node;
  };
  const master = async (): Promise<RedisNode> => nodeAt(await masterPort());

  return {
    name: SENTINEL_MASTER_NAME,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    sentinels,
    nodes,
    masterPort,
    master,
    crash: (node) => {
      // The host dies: its link drops what it still held, and the process goes with it.
      if (link && node === nodes[0]) link.cut();
      node.down = true;
      return node.server.kill();
    },
    waitForNewMaster: async (formerPort, timeoutMs = 30_000) => {
      return waitFor(
        async () => {
          const ports = await Promise.all(
            sentinels.map((s) => askSentinel(s, SENTINEL_MASTER_NAME).catch(() => undefined)),
          );
          // A majority names the same new master.
          const named = ports.filter((p) => p !== undefined && p !== formerPort);
          return named.length >= 2 && named.every((p) => p === named[0]) ? named[0] : undefined;
        },
        { what: 'the Sentinels to promote a replica', timeoutMs, intervalMs: 20 },
      );
    },
    restartNode: async (node) => {
      if (link && node === nodes[0])
        throw new Error(
          'the first master sat behind its link, which died with it: not restartable',
        );
      const current = await masterPort();
      if (current === node.port) throw new Error('the Sentinels still name this node master');
      await node.server.restart();
      await withProbe(node.port, (c) => c.call('REPLICAOF', '127.0.0.1', String(current)));
      node.down = false;
    },
    waitForReplicas: async (n, timeoutMs = 30_000) => {
      await waitFor(async () => (await onlineReplicas((await master()).port)) >= n, {
        what: `${n} replica(s) in sync with the current master`,
        timeoutMs,
      });
    },
    droppedBytes: () => link?.dropped ?? 0,
    events: (since = 0) => events.filter((e) => e.at >= since),
    replicationState: () =>
      Promise.all(
        nodes
          .filter((n) => !n.down)
          .map(async (node) => {
            const info = await withProbe(node.port, (c) => c.info('replication'));
            const kept = info.split('\r\n').filter((l) => REPLICATION_FIELDS.test(l));
            return `${node.port}: ${kept.join(' ')}`;
          }),
      ),
    close: async () => {
      for (const listener of listeners) listener.disconnect();
      await cleanup();
    },
  };
}
