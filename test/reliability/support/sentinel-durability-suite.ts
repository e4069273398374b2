/**
 * Acknowledged registrations across a Sentinel failover when replication lags: Redis replication
 * is asynchronous, so a write the master acknowledged but had not yet sent to a replica is gone
 * once that replica is promoted. The replication link here holds the stream back `lagMs` (a
 * remote or busy replica), and the fault is the master's host dying: the process SIGKILLed and
 * its link cut, dropping what was in flight (./sentinel.ts). The crash comes right as a
 * registration is acknowledged, so the window is always hit.
 *
 * Two modes, each on its own set-up (a master, two replicas, three Sentinels):
 * - `async` (the default settings): acknowledged registrations from the last `lagMs` are lost.
 *   Asserted > 0, as a control: without it the `wait` mode's zero would prove nothing.
 * - `wait` (REGISTRY_REDIS_MIN_REPLICAS_ACK=1): none is lost (asserted). Writes come back once
 *   the other replica follows the new master (a WAIT needs a replica).
 */
import { startRegistry, type RunningRegistry } from '@kong-registry/registry';
import { waitFor } from '../../helpers/wait';
import { recordFigure } from './figures';
import {
  firstAckStartedAfter,
  median,
  startRegistrationLoad,
  type RegistrationLoad,
} from './registration-load';
import { startSentinelTopology, type SentinelTopology } from './sentinel';
import { stackPrefix, STACK_SECRET } from './stack';

/** Size of one run. */
export interface SentinelDurabilityScale {
  label: string;
  /** How long the replication link holds the stream back (ms). */
  lagMs: number;
  /** Crashes per mode, each on a fresh set-up. */
  crashes: number;
  /** Registrations per second. */
  perSecond: number;
  /** Registrations acknowledged before the crash is armed. */
  warmAcks: number;
}

/** What one crash measured. */
export interface CrashOutcome {
  acked: number;
  lost: number;
  /** Dropped by the dying link: bytes of replication stream in flight. */
  droppedBytes: number;
  /** From the crash to the first acknowledgement of a registration sent after it. */
  writesBackMs: number;
  /** Median time from sending a registration to its acknowledgement, before the crash. */
  ackLatencyMs: number;
  failedAttempts: number;
}

const SERVICES = 8;

/** One crash: a fresh set-up, the load, the crash at an acknowledgement, the count. */
async function crashOnce(
  scale: SentinelDurabilityScale,
  env: Record<string, string>,
): Promise<CrashOutcome> {
  let topology: SentinelTopology | undefined;
  let registry: RunningRegistry | undefined;
  let load: RegistrationLoad | undefined;
  try {
    topology = await startSentinelTopology({ replicas: 2, replicationLagMs: scale.lagMs });
    const prefix = stackPrefix();
    registry = await startRegistry({
      host: '127.0.0.1',
      port: 0,
      reaper: false,
      env: {
        REDIS_SENTINELS: topology.sentinelList,
        REDIS_SENTINEL_NAME: topology.name,
        REGISTRY_KEY_PREFIX: prefix,
        REGISTRY_JWT_SECRET: STACK_SECRET,
        REGISTRY_RATE_LIMIT_BURST: '100000',
        REGISTRY_RATE_LIMIT_PER_SECOND: '100000',
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        LOG_LEVEL: 'silent',
        ...env,
      },
    });
    const master = await topology.master();
    const formerPort = await topology.masterPort();
    const crashing = topology;
    let crashAt = 0;
    let armed = false;
    let crashed: Promise<void> | undefined;
    load = startRegistrationLoad({
      urls: [registry.url],
      token: registry.adminToken ?? '',
      perSecond: scale.perSecond,
      registration: (n) => ({
        service: `fleet-${n % SERVICES}`,
        id: `i-${n}`,
        body: { host: '10.2.0.1', port: 10_000 + (n % 50_000), ttlSeconds: 300, route: false },
      }),
      onAck: () => {
        if (!armed || crashed) return;
        // Right as this registration is acknowledged: its replication is still in the link.
        crashAt = Date.now();
        crashed = crashing.crash(master);
      },
    });
    const log = load.log;
    await waitFor(() => log.acks.length >= scale.warmAcks, {
      what: `${scale.warmAcks} registrations before the crash`,
      timeoutMs: 20_000,
    }).catch((err: Error) => {
      throw new Error(`${err.message}; failures: ${JSON.stringify(log.failures)}`);
    });
    armed = true;
    await waitFor(() => crashed !== undefined, { what: 'the crash', timeoutMs: 10_000 });
    await crashed;
    const before = log.acks.filter((a) => a.at <= crashAt);
    await topology.waitForNewMaster(formerPort);
    const back = await waitFor(() => firstAckStartedAfter(log, crashAt), {
      what: 'registrations acknowledged again after the failover',
      timeoutMs: 30_000,
    });
    await waitFor(() => log.acks.length >= before.length + 50, {
      what: 'more registrations after the failover',
      timeoutMs: 20_000,
    });
    await load.stop();

    const present = new Set<string>();
    for (let s = 0; s < SERVICES; s += 1) {
      const res = await fetch(`${registry.url}/v1/services/fleet-${s}`, {
        headers: { authorization: `Bearer ${registry.adminToken ?? ''}` },
      });
      if (res.status === 404) continue;
      const view = (await res.json()) as { instances: { instanceId: string }[] };
      for (const i of view.instances) present.add(`fleet-${s}/${i.instanceId}`);
    }
    const lost = log.acks.filter((a) => !present.has(`${a.service}/${a.id}`));
    return {
      acked: log.acks.length,
      lost: lost.length,
      droppedBytes: topology.droppedBytes(),
      writesBackMs: back.at - crashAt,
      ackLatencyMs: median(before.map((a) => a.at - a.startedAt)),
      failedAttempts: log.failed,
    };
  } finally {
    await load?.stop();
    await registry?.close();
    await topology?.close();
  }
}

/** Defines the suite at the given scale. */
export function describeSentinelDurability(scale: SentinelDurabilityScale): void {
  describe(`reliability/faults (${scale.label}): acknowledged registrations across a failover with replication lag`, () => {
    const suite = `sentinel-durability-${scale.label}`;
    const modes = [
      { mode: 'async', env: {} },
      {
        mode: 'wait',
        env: {
          REGISTRY_REDIS_MIN_REPLICAS_ACK: '1',
          REGISTRY_REDIS_REPLICA_ACK_TIMEOUT_MS: '1000',
        },
      },
    ] as const;

    it.each(modes)(
      '$mode: the master host dies right as a registration is acknowledged',
      async ({ mode, env }) => {
        const outcomes: CrashOutcome[] = [];
        for (let i = 0; i < scale.crashes; i += 1) outcomes.push(await crashOnce(scale, env));
        const sum = (pick: (o: CrashOutcome) => number) =>
          outcomes.reduce((n, o) => n + pick(o), 0);
        recordFigure(suite, `${mode}: replication lag (ms)`, scale.lagMs);
        recordFigure(suite, `${mode}: crashes`, outcomes.length);
        recordFigure(
          suite,
          `${mode}: acknowledged registrations`,
          sum((o) => o.acked),
        );
        recordFigure(
          suite,
          `${mode}: acknowledged registrations lost`,
          sum((o) => o.lost),
        );
        recordFigure(suite, `${mode}: lost per crash`, JSON.stringify(outcomes.map((o) => o.lost)));
        recordFigure(
          suite,
          `${mode}: writes acknowledged again after the crash (ms)`,
          JSON.stringify(outcomes.map((o) => o.writesBackMs)),
        );
        recordFigure(
          suite,
          `${mode}: median registration latency before the crash (ms)`,
          JSON.stringify(outcomes.map((o) => o.ackLatencyMs)),
        );
        recordFigure(
          suite,
          `${mode}: replication bytes dropped by the dying link`,
          JSON.stringify(outcomes.map((o) => o.droppedBytes)),
        );
        recordFigure(
          suite,
          `${mode}: failed attempts (retried)`,
          sum((o) => o.failedAttempts),
        );
        if (mode === 'wait') {
          expect(outcomes.map((o) => o.lost)).toEqual(outcomes.map(() => 0));
        } else {
          // The control: the lag is real, so without the WAIT every crash loses registrations.
          for (const o of outcomes) expect(o.lost).toBeGreaterThan(0);
        }
      },
      scale.crashes * 45_000,
    );
  });
}
