import type { Logger } from '../health/checker';
import type { ServiceEntity, StoreReader, TargetEntity, UpstreamEntity } from '../store/types';
import { Router } from './router/router';

/** Everything the proxy derives from one store version: the router and upstream lookups. */
export interface ProxySnapshot {
  version: number;
  router: Router;
  upstreamsByName: ReadonlyMap<string, UpstreamEntity>;
  targetsByUpstream: ReadonlyMap<string, TargetEntity[]>;
}

/** Builds the snapshot for the store's current version. */
function buildSnapshot(store: StoreReader, logger: Logger): ProxySnapshot {
  const services = new Map<string, ServiceEntity>(store.list('services').map((s) => [s.id, s]));
  const router = new Router(store.list('routes'), services, (route, err) =>
    logger.warn(
      { route: route.name ?? route.id, err: String(err) },
      'route left out of the router',
    ),
  );
  const targetsByUpstream = new Map<string, TargetEntity[]>();
  for (const target of store.list('targets')) {
    const own = targetsByUpstream.get(target.upstream.id);
    if (own) own.push(target);
    else targetsByUpstream.set(target.upstream.id, [target]);
  }
  return {
    version: store.version,
    router,
    upstreamsByName: new Map(store.list('upstreams').map((u) => [u.name, u])),
    targetsByUpstream,
  };
}

/** Rebuilds the snapshot lazily, only when the store version has moved since the last request. */
export class SnapshotCache {
  private current: ProxySnapshot | undefined;

  constructor(
    private readonly store: StoreReader,
    private readonly logger: Logger,
  ) {}

  /** The snapshot for the current store version. */
  get(): ProxySnapshot {
    if (!this.current || this.current.version !== this.store.version) {
      this.current = buildSnapshot(this.store, this.logger);
    }
    return this.current;
  }
}
