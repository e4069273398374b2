/** Fuzzing of every registry endpoint, sized for `npm test` (about a thousand inputs). */
import { describeFuzz } from './support/fuzz-suite';

describeFuzz('quick', Number(process.env.KR_FUZZ_RUNS ?? 60));
