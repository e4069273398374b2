/**
 * The reconciler's vocabulary: the Kong nodes it writes to, its dependencies, and what one
 * reconcile reports (read by the loop, the metrics, `diff` and the logs).
 */
import type { StateSnapshot } from '@kong-registry/sdk';
import type { KongAdminClient } from './admin-api/client';
import type { Applier, ApplyResult } from './apply/types';
import type { TelemetrySettings } from './desired/telemetry';
import type { DesiredState, TranslationFailure } from './desired/types';
import type { Logger } from './logger';
import type { MetricsSink } from './metrics-sink';
import type { GuardOptions, HeldRemoval } from './plan/guard';
import type { CurrentState, Plan } from './plan/types';
import type { RegistryClient } from './registry/client';
import type { KongSelfProtection } from './safety/self-protection';

/** One Kong node and how we write to it (resolved on first contact in auto mode). */
export interface KongNode {
  url: string;
  client: KongAdminClient;
  mode: 'db' | 'dbless' | 'auto';
  applier?: Applier;
}

/** What happened on one node. */
export interface NodeReport {
  node: string;
  mode: 'db' | 'dbless' | 'unknown';
  plan?: Plan;
  current?: CurrentState;
  held: HeldRemoval[];
  result?: ApplyResult;
  /** Set when the node could not be read or written at all. */
  error?: string;
  durationMs: number;
}

/** What happened in one reconcile. */
export interface ReconcileReport {
  revision: number;
  /** The services this reconcile read and wrote; undefined when it covered everything. */
  scope?: string[];
  /** The registry snapshot read: of `scope`'s services only when there is a scope. */
  snapshot: StateSnapshot;
  desired: DesiredState;
  failures: TranslationFailure[];
  nodes: NodeReport[];
  /** True when every node was read and (if applying) every op succeeded. */
  ok: boolean;
  applied: boolean;
  durationMs: number;
}

/** Dependencies of the reconciler. */
export interface ReconcilerDeps {
  registry: RegistryClient;
  nodes: KongNode[];
  ownershipTag: string;
  applyConcurrency: number;
  guard: GuardOptions;
  logger: Logger;
  metrics?: MetricsSink;
  /** Parsed DBLESS_BASE_FILE. */
  dblessBase?: Record<string, unknown>;
  /** Kong's prometheus and log plugins to program (desired/telemetry.ts); none when unset. */
  telemetry?: TelemetrySettings;
  /** Leaves out instances whose target is a managed node's Admin or status API. */
  selfProtection?: KongSelfProtection;
  /** Checked before every write batch (leader lock). */
  beforeWrite?: () => Promise<void>;
  /** The controller's clock: desired state and the guard's timing of unexplained removals. */
  now?: () => Date;
  /**
   * Most Admin API reads per second of a whole reconcile's per-upstream target lists, after the
   * first success (RESYNC_READ_RATE): spreads the drift scan out. Unset: as fast as
   * `applyConcurrency` allows.
   */
  readRate?: number;
}
