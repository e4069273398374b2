/**
 * When Kong's proxy takes up what its Admin API already shows
 * (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy), from the settings `GET /` reports.
 * Pure: `routes` and `explain` use it to say when a route Kong has may not be routed yet.
 */
import type { KongBody } from './entities';

/** The settings of one Kong node that decide it, as `GET /`'s `configuration` reports them. */
export interface WorkerTiming {
  /** DB-less (`database = off`): a push reaches every worker at once. */
  dbless: boolean;
  workerConsistency: 'strict' | 'eventual';
  /** Seconds between two router / plugins iterator rebuilds under `eventual`. */
  workerStateUpdateFrequency: number;
  /** Seconds between two polls of the database for other nodes' writes. */
  dbUpdateFrequency: number;
}

/** Kong's defaults (Kong 3.9.3: kong/templates/kong_defaults.lua), for keys a node leaves out. */
const DEFAULTS = {
  workerConsistency: 'eventual',
  workerStateUpdateFrequency: 5,
  dbUpdateFrequency: 5,
};

/** Reads the settings from `GET /`'s body. */
export function workerTimingOf(node: KongBody): WorkerTiming {
  const conf = (node.configuration ?? {}) as Record<string, unknown>;
  const seconds = (value: unknown, fallback: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  return {
    dbless: conf.database === 'off',
    workerConsistency: conf.worker_consistency === 'strict' ? 'strict' : 'eventual',
    workerStateUpdateFrequency: seconds(
      conf.worker_state_update_frequency,
      DEFAULTS.workerStateUpdateFrequency,
    ),
    dbUpdateFrequency: seconds(conf.db_update_frequency, DEFAULTS.dbUpdateFrequency),
  };
}

/** A routing change Kong has but its workers may not have taken up yet. */
export interface PendingRouting {
  /** When the newest of the entities was written (Kong's `updated_at`), ISO 8601. */
  writtenAt: string;
  /** By when the node that took the write routes with it, ISO 8601. */
  byOnThisNode: string;
  /** By when every node of a DB-mode cluster does, ISO 8601. */
  byOnEveryNode: string;
  /** One sentence for people. */
  note: string;
}

/**
 * Whether the router or plugins iterator may still lack a change to `entities` (a route, its
 * service, the plugins on them) at `nowMs`: under DB mode with `eventual`, workers rebuild every
 * `worker_state_update_frequency` seconds, and other nodes learn of a write every
 * `db_update_frequency` seconds first. Undefined when every worker has it for sure.
 */
export function pendingRouting(
  timing: WorkerTiming,
  entities: readonly KongBody[],
  nowMs: number,
): PendingRouting | undefined {
  if (timing.dbless) return undefined;
  const writtenSeconds = Math.max(
    ...entities.map((e) => Number(e.updated_at ?? e.created_at ?? 0)).filter(Number.isFinite),
    0,
  );
  if (writtenSeconds <= 0) return undefined;
  const writtenMs = writtenSeconds * 1000;
  // Kong's timestamps are whole seconds: the write may have happened up to 1 s after them.
  const rebuildMs =
    timing.workerConsistency === 'strict' ? 0 : timing.workerStateUpdateFrequency * 1000;
  const thisNodeMs = writtenMs + 1000 + rebuildMs;
  const everyNodeMs = thisNodeMs + timing.dbUpdateFrequency * 1000;
  if (nowMs >= everyNodeMs) return undefined;
  const how =
    timing.workerConsistency === 'strict'
      ? 'worker_consistency=strict: the node that took the write routes it at the next request'
      : `worker_consistency=eventual: workers rebuild their routers every ${timing.workerStateUpdateFrequency} s`;
  return {
    writtenAt: new Date(writtenMs).toISOString(),
    byOnThisNode: new Date(thisNodeMs).toISOString(),
    byOnEveryNode: new Date(everyNodeMs).toISOString(),
    note: `Kong has had this since ${new Date(writtenMs).toISOString()}, but its workers may not route with it yet (${how}; other nodes poll every ${timing.dbUpdateFrequency} s). Routed by ${new Date(thisNodeMs).toISOString()} on the node that took it, ${new Date(everyNodeMs).toISOString()} on every node.`,
  };
}
