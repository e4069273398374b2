/** Differ for Kong routes. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of route entities. */
export const routeDiffer: Differ = makeDiffer('route');
