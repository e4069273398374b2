/**
 * DB-less executor (KIC `sendconfig/inmemory.go`): DB-less Kong only takes a whole document, so
 * the plan is applied to the current state in memory and the result is rendered and pushed with
 * `POST /config`, but only when it would change something: the document hash differs from the
 * last push, or Kong's `configuration_hash` says it restarted empty (all zeros) or was
 * overwritten by someone else (KIC `config_change_detector.go`). After a push (or a push found
 * unneeded) of a whole desired state, the next resync of an unchanged desired state costs one
 * `GET /status`: Kong's hash is the one it reported after that push, so it holds it still.
 */
import type { KongAdminClient } from '../admin-api/client';
import { applyOpsToState } from './memory';
import { hashDocument, mergeWithBase, renderState } from './declarative';
import {
  ApplyError,
  type Applier,
  type ApplyInput,
  type ApplyResult,
  type ConfigDrift,
} from './types';

const EMPTY_HASH = /^0+$/;

interface NodeStatus {
  configuration_hash?: string;
}

/** Options of DblessApplier. */
export interface DblessApplierOptions {
  /** Parsed base document (config we do not own), merged into every push. */
  base?: Record<string, unknown>;
  /** Called before the push; throws to stop (e.g. the leader lock was lost). */
  beforeBatch?: () => Promise<void>;
  onDropped?: (dropped: string[]) => void;
}

/** Applies plans to one DB-less Kong node. Keeps per-node memory of what it pushed. */
export class DblessApplier implements Applier {
  readonly target: string;
  private lastDocHash: string | undefined;
  private kongHashAfterPush: string | undefined;
  /** The desired state's hash whose document Kong held at `kongHashAfterPush`, if whole. */
  private desiredHashPushed: string | undefined;

  constructor(
    private readonly client: KongAdminClient,
    private readonly options: DblessApplierOptions = {},
  ) {
    this.target = client.baseUrl;
  }

  async apply(input: ApplyInput): Promise<ApplyResult> {
    const { plan, current } = input;
    const effective = applyOpsToState(current.managed, plan.ops);
    const { doc, dropped } = mergeWithBase(renderState(effective), this.options.base);
    if (dropped.length > 0) this.options.onDropped?.(dropped);
    const docHash = hashDocument(doc);
    const kongHash = (await this.client.get<NodeStatus>('/status')).configuration_hash ?? '';
    const kongEmpty = EMPTY_HASH.test(kongHash);

    if (!kongEmpty && plan.ops.length === 0 && this.lastDocHash === undefined) {
      // First look after a controller restart and Kong already holds what we want: adopt it.
      this.lastDocHash = docHash;
      this.kongHashAfterPush = kongHash;
    }
    const unchanged =
      docHash === this.lastDocHash && kongHash === this.kongHashAfterPush && !kongEmpty;
    if (unchanged) {
      this.desiredHashPushed = input.desiredHash;
      return { applied: [], errors: [], writes: 0, skipped: true };
    }
    this.desiredHashPushed = undefined;

    await this.options.beforeBatch?.();
    const writesBefore = this.client.writes;
    try {
      await this.client.post('/config', doc, { idempotent: true });
    } catch (err) {
      return {
        applied: [],
        errors:
          plan.ops.length > 0 ? plan.ops.map((op) => new ApplyError(op, err)) : [configError(err)],
        writes: this.client.writes - writesBefore,
      };
    }
    this.lastDocHash = docHash;
    this.kongHashAfterPush = (await this.client.get<NodeStatus>('/status')).configuration_hash;
    this.desiredHashPushed = input.desiredHash;
    return { applied: [...plan.ops], errors: [], writes: this.client.writes - writesBefore };
  }

  async holds(desiredHash: string): Promise<boolean> {
    if (this.desiredHashPushed === undefined || this.desiredHashPushed !== desiredHash)
      return false;
    const kongHash = (await this.client.get<NodeStatus>('/status')).configuration_hash ?? '';
    return !EMPTY_HASH.test(kongHash) && kongHash === this.kongHashAfterPush;
  }

  async configDrift(): Promise<ConfigDrift> {
    const hash = (await this.client.get<NodeStatus>('/status')).configuration_hash ?? '';
    if (EMPTY_HASH.test(hash)) return { state: 'empty', hash };
    if (this.kongHashAfterPush !== undefined && hash !== this.kongHashAfterPush)
      return { state: 'replaced', hash };
    return { state: 'current', hash };
  }
}

/** An ApplyError for a push that carried no planned op (e.g. a re-push after a restart). */
function configError(err: unknown): ApplyError {
  return new ApplyError(
    {
      op: 'update',
      kind: 'service',
      id: '',
      name: '(declarative config)',
      service: undefined,
      consumer: undefined,
      body: {},
      changes: [],
    },
    err,
  );
}
