/**
 * @kong-registry/kong-plugin: the control plane that keeps Kong converged with the registry.
 *
 * Pipeline, pure logic between two I/O edges (docs/architecture.md): buildDesiredState (pure) ->
 * readCurrentState (Admin API, by ownership tag) -> planChanges (pure, ordered) -> Applier
 * (DbApplier per entity, DblessApplier whole document). createController wires it all with the loop, leader lock and health feedback.
 */
export { runControllerCommand } from './cli/run-controller';
export { runDiffCommand, runSyncCommand } from './cli/run-diff';
export {
  runRoutesCommand,
  buildRouteRows,
  formatRouteTable,
  type RouteRowView,
} from './cli/run-routes';
export { runExplainCommand, explainRequest, type Explanation } from './cli/run-explain';
export { demoEnvPath, removeDemoEnv, writeDemoEnv } from './cli/demo-env';

export {
  createController,
  type Controller,
  type ControllerOptions,
} from './controller-with-prometheus';
export {
  loadConfig,
  redactConfig,
  parseDuration,
  type ControllerConfig,
  type KongAdminConfig,
} from './config';
export { buildDesiredState, liveInstances } from './desired/build';
export type { DesiredState, TranslationFailure, TargetSource, BuildOptions } from './desired/types';
export { planChanges } from './plan/plan';
export { normalizeEntity, diffBodies, type FieldChange } from './plan/normalize';
export { orderOps, batchByLevel, LEVEL } from './plan/order';
export { guardMassExpiry, type GuardOptions, type HeldRemoval } from './plan/guard';
export {
  summarizePlan,
  type Plan,
  type PlanOp,
  type OpKind,
  type Conflict,
  type CurrentState,
  type PlanSummary,
} from './plan/types';
export { ApplyError, type Applier, type ApplyInput, type ApplyResult } from './apply/types';
export { DbApplier, entityPath, type DbApplierOptions } from './apply/db';
export { DblessApplier, type DblessApplierOptions } from './apply/dbless';
export { MemoryApplier, applyOpsToState } from './apply/memory';
export { renderState, mergeWithBase, hashDocument, type DeclarativeDoc } from './apply/declarative';
export { KongAdminClient, type AdminClientOptions } from './admin-api/client';
export { createAdminClient } from './admin-api/factory';
export { KongApiError, KongNetworkError, isKongStatus } from './admin-api/errors';
export { readCurrentState, readKongLists } from './current/read';
export { currentFromLists, splitByOwnership } from './current/split';
export { Reconciler } from './reconciler';
export type { ReconcileReport, NodeReport, KongNode } from './reconcile-types';
export { ReconcileLoop, type LoopOptions } from './loop';
export { LeaderLock, NotLeaderError } from './leader/lock';
export { RegistryClient } from './registry/client';
export { ControllerMetrics } from './metrics';
export { NO_METRICS, type MetricsSink } from './metrics-sink';
export { assembleController } from './controller-wiring';
export { matchRoute, parseRequest, type RouteMatch } from './explain/match';
export {
  emptyState,
  ENTITY_KINDS,
  type Entity,
  type EntityKind,
  type KongBody,
  type KongState,
} from './kong/entities';
export { stateFromLists, listsFromState, type KongLists } from './kong/lists';
export { DEFAULT_OWNERSHIP_TAG, names, ids, uuidV5 } from './naming';
export { KongPluginError, ConfigError, ErrorCodes, type ErrorCode } from './errors';
