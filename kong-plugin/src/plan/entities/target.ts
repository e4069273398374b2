/** Differ for Kong targets. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of target entities. */
export const targetDiffer: Differ = makeDiffer('target');
