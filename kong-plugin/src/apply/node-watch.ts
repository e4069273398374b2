/**
 * The DB-less node watch: a DB-less Kong node that restarts comes back with no configuration and
 * answers 404 on every route until it is pushed one again. The resync would notice within
 * RESYNC_INTERVAL; this asks each DB-less node for its configuration hash every
 * DBLESS_WATCH_INTERVAL (one `GET /status`, `kong/api/routes/health.lua`) and asks for a
 * reconcile as soon as a node is empty (`DECLARATIVE_EMPTY_CONFIG_HASH`, `kong/constants.lua`;
 * an empty configuration has that hash too, `kong/db/declarative/import.lua`), holds a
 * configuration someone else pushed, or answers again after it could not be reached. The
 * reconcile pushes to that node only: the others prove they hold the desired state.
 */
import type { KongNode } from '../reconcile-types';
import type { Logger } from '../logger';
import type { ConfigDrift } from './types';

/** What the watch remembers of one node between two looks. */
export interface NodeWatchMemory {
  /** The last look failed to reach the node. */
  unreachable: boolean;
  /** The drift a reconcile was last asked for, as `state:hash`, until the node is current. */
  asked: string | undefined;
}

/** Why the watch asks for a reconcile (the `reason` label of its metric). */
export type NodeWatchReason = 'empty' | 'replaced' | 'reachable-again';

/** Each reason in words, for the log line and the loop's trigger. */
export const NODE_WATCH_REASONS: Record<NodeWatchReason, string> = {
  empty: 'Kong node has no configuration (restarted)',
  replaced: 'Kong node holds a configuration the controller did not push',
  'reachable-again': 'Kong node reachable again',
};

/** Why one look at a node asks for a reconcile, or undefined when it does not. */
export function reconcileReason(
  memory: NodeWatchMemory,
  look: ConfigDrift | 'unreachable',
): NodeWatchReason | undefined {
  if (look === 'unreachable') return undefined;
  // Reconciles that ran while it was away failed on it (and are retried with backoff): one
  // now, without waiting for that retry. It writes only if the node is behind.
  if (memory.unreachable) return 'reachable-again';
  if (look.state === 'current') return undefined;
  // One reconcile per drift seen: if it fails, the loop's backoff retries it.
  if (memory.asked === `${look.state}:${look.hash}`) return undefined;
  return look.state;
}

/** The memory after a look (and after asking for a reconcile when `asked`). */
export function remember(
  memory: NodeWatchMemory,
  look: ConfigDrift | 'unreachable',
  asked: boolean,
): NodeWatchMemory {
  if (look === 'unreachable') return { ...memory, unreachable: true };
  if (look.state === 'current') return { unreachable: false, asked: undefined };
  return { unreachable: false, asked: asked ? `${look.state}:${look.hash}` : memory.asked };
}

/** Options of the watch. */
export interface NodeWatchOptions {
  nodes: readonly KongNode[];
  intervalMs: number;
  /** Only the leader pushes, so only the leader looks. */
  isLeader: () => boolean;
  /** Asks the loop for a whole reconcile. */
  trigger: (reason: string) => void;
  /** Counts each node a reconcile was asked for, by reason. */
  counted?: (reason: NodeWatchReason) => void;
  logger: Logger;
}

/** Looks at every DB-less node each interval; stop() ends it. */
export class NodeWatch {
  private timer: NodeJS.Timeout | undefined;
  private readonly memory = new Map<string, NodeWatchMemory>();
  private looking = false;

  constructor(private readonly options: NodeWatchOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.lookOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every watched node; resolves with the reasons it asked a reconcile for. */
  async lookOnce(): Promise<NodeWatchReason[]> {
    if (this.looking || !this.options.isLeader()) return [];
    this.looking = true;
    try {
      const reasons = await Promise.all(this.options.nodes.map((node) => this.look(node)));
      const asked = reasons.filter((r) => r !== undefined);
      for (const reason of asked) this.options.counted?.(reason);
      // One whole reconcile covers every node.
      if (asked.length > 0) this.options.trigger(NODE_WATCH_REASONS[asked[0]!]);
      return asked;
    } finally {
      this.looking = false;
    }
  }

  private async look(node: KongNode): Promise<NodeWatchReason | undefined> {
    // Nodes get their applier at their first apply; DB-mode appliers have nothing to watch.
    const applier = node.applier;
    if (!applier?.configDrift) return undefined;
    const look = await applier.configDrift().catch(() => 'unreachable' as const);
    const memory = this.memory.get(node.url) ?? { unreachable: false, asked: undefined };
    const reason = reconcileReason(memory, look);
    this.memory.set(node.url, remember(memory, look, reason !== undefined));
    if (reason && look !== 'unreachable')
      this.options.logger.info(
        { node: node.url, hash: look.hash, reason: NODE_WATCH_REASONS[reason] },
        'reconcile asked',
      );
    return reason;
  }
}
