/** Differ for Kong upstreams. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of upstream entities. */
export const upstreamDiffer: Differ = makeDiffer('upstream');
