/** Differ for Kong plugins. Normalization (defaults, sets, foreign keys) lives in normalize.ts. */
import { makeDiffer, type Differ } from './differ';

/** Plans creates, updates and deletes of plugin entities. */
export const pluginDiffer: Differ = makeDiffer('plugin');
