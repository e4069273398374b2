/** Every differ, one per entity kind. */
import type { Differ } from './differ';
import { consumerDiffer } from './consumer';
import { aclDiffer, jwtDiffer, keyAuthDiffer } from './credential';
import { pluginDiffer } from './plugin';
import { routeDiffer } from './route';
import { serviceDiffer } from './service';
import { targetDiffer } from './target';
import { upstreamDiffer } from './upstream';

/** All differs; order does not matter (plan/order.ts sorts the result). */
export const DIFFERS: readonly Differ[] = [
  consumerDiffer,
  serviceDiffer,
  upstreamDiffer,
  routeDiffer,
  targetDiffer,
  keyAuthDiffer,
  jwtDiffer,
  aclDiffer,
  pluginDiffer,
];
export type { Differ } from './differ';
