/** Differ for Kong consumers. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of consumer entities. */
export const consumerDiffer: Differ = makeDiffer('consumer');
