/** Differ for Kong services. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of service entities. */
export const serviceDiffer: Differ = makeDiffer('service');
