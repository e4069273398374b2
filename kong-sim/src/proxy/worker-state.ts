/**
 * What the proxy's workers route and balance with, and when an Admin API write reaches it, as
 * Kong 3.9 does it (kong-sim/KONG_BEHAVIOUR.md#when-a-write-reaches-the-proxy):
 *
 * - the router (routes, services) and the plugins iterator follow `worker_consistency`: under
 *   `eventual` a recurring timer rebuilds them every `worker_state_update_frequency` seconds when
 *   they changed (K:kong/runloop/handler.lua, the `router-rebuild` and `plugins-iterator-rebuild`
 *   timers); under `strict` the first request after a change rebuilds them (`get_updated_router`);
 * - the balancer (upstreams, targets) is rebuilt when the write's worker event arrives, so at once
 *   (K:kong/runloop/events.lua `crud_targets_handler`, balancer/targets.lua `on_target_event`);
 * - DB-less: `POST /config` swaps everything together (`reconfigure_handler`); neither setting
 *   applies.
 *
 * Consumers and credentials are not here: the auth plugins read them from the store, as Kong reads
 * them through an entity cache that the write invalidates at once.
 * kong-sim is one node: the other nodes of a DB-mode cluster (`db_update_frequency`) are not
 * modelled.
 */
import type { Logger } from '../health/checker';
import type {
  EntityKind,
  PluginEntity,
  ServiceEntity,
  StoreReader,
  TargetEntity,
  UpstreamEntity,
} from '../store/types';
import { Router } from './router/router';

/** `worker_consistency` and `worker_state_update_frequency`, as kong.conf spells them. */
export interface WorkerSettings {
  workerConsistency: 'strict' | 'eventual';
  /** Seconds between two rebuild checks under `eventual`. */
  workerStateUpdateFrequency: number;
}

/** Kong's defaults (K:kong/templates/kong_defaults.lua). */
export const KONG_WORKER_DEFAULTS: Readonly<WorkerSettings> = Object.freeze({
  workerConsistency: 'eventual',
  workerStateUpdateFrequency: 5,
});

/** The router and the plugins iterator, as the workers last built them. */
export interface RoutingState {
  router: Router;
  plugins: readonly PluginEntity[];
  /** Some enabled key-auth reads the key from the body, so the proxy buffers it. */
  readsBody: boolean;
}

/** The balancer's view: upstreams by name and their targets, always current. */
export interface BalancingState {
  upstreamsByName: ReadonlyMap<string, UpstreamEntity>;
  targetsByUpstream: ReadonlyMap<string, TargetEntity[]>;
}

/** Which part of the worker state a write of each kind moves. */
const PART_OF: Partial<Record<EntityKind, 'router' | 'plugins' | 'balancer'>> = {
  routes: 'router',
  services: 'router',
  plugins: 'plugins',
  upstreams: 'balancer',
  targets: 'balancer',
};

type Part = 'router' | 'plugins' | 'balancer';

/** One node's worker state; `close()` stops its timer. */
export class WorkerState {
  /** Writes seen, per part, and the count each built part reflects. */
  private readonly written: Record<Part, number> = { router: 0, plugins: 0, balancer: 0 };
  private readonly built: Record<Part, number> = { router: -1, plugins: -1, balancer: -1 };
  private router!: Router;
  private plugins!: readonly PluginEntity[];
  /** Whether some enabled key-auth of `plugins` reads the body: worked out at each rebuild. */
  private readsBody = false;
  private balancing!: BalancingState;
  private readonly rebuildOnRequest: boolean;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: StoreReader,
    private readonly logger: Logger,
    mode: 'db' | 'dbless',
    settings: WorkerSettings = KONG_WORKER_DEFAULTS,
  ) {
    this.unsubscribe = store.onChange((change) => {
      const part = PART_OF[change.kind];
      if (part) this.written[part] += 1;
    });
    // Every worker builds its router and plugins iterator once at start.
    this.rebuild('router');
    this.rebuild('plugins');
    this.rebuildOnRequest = mode === 'dbless' || settings.workerConsistency === 'strict';
    if (!this.rebuildOnRequest) {
      this.timer = setInterval(() => {
        this.rebuild('router');
        this.rebuild('plugins');
      }, settings.workerStateUpdateFrequency * 1000);
      this.timer.unref();
    }
  }

  /** What a request is routed with. */
  routing(): RoutingState {
    if (this.rebuildOnRequest) {
      this.rebuild('router');
      this.rebuild('plugins');
    }
    return { router: this.router, plugins: this.plugins, readsBody: this.readsBody };
  }

  /** The plugins iterator as last built, without rebuilding it (what `configure` saw). */
  builtPlugins(): readonly PluginEntity[] {
    return this.plugins;
  }

  /** What a request is balanced with: current in every mode. */
  balancer(): BalancingState {
    this.rebuild('balancer');
    return this.balancing;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe();
  }

  /** Rebuilds `part` from the store when a write has moved it since its last build. */
  private rebuild(part: Part): void {
    if (this.built[part] === this.written[part]) return;
    this.built[part] = this.written[part];
    if (part === 'router') this.router = this.buildRouter();
    else if (part === 'plugins') {
      this.plugins = this.store.list('plugins');
      this.readsBody = this.plugins.some(
        (p) => p.enabled && p.name === 'key-auth' && p.config.key_in_body === true,
      );
    } else this.balancing = this.buildBalancing();
  }

  private buildRouter(): Router {
    const services = new Map<string, ServiceEntity>(
      this.store.list('services').map((s) => [s.id, s]),
    );
    return new Router(this.store.list('routes'), services, (route, err) =>
      this.logger.warn(
        { route: route.name ?? route.id, err: String(err) },
        'route left out of the router',
      ),
    );
  }

  private buildBalancing(): BalancingState {
    const targetsByUpstream = new Map<string, TargetEntity[]>();
    for (const target of this.store.list('targets')) {
      const own = targetsByUpstream.get(target.upstream.id);
      if (own) own.push(target);
      else targetsByUpstream.set(target.upstream.id, [target]);
    }
    return {
      upstreamsByName: new Map(this.store.list('upstreams').map((u) => [u.name, u])),
      targetsByUpstream,
    };
  }
}
