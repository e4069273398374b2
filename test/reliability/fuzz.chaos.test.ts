/** `npm run test:chaos`: the same properties with about twenty thousand inputs. */
import { describeFuzz } from './support/fuzz-suite';

jest.setTimeout(600_000);
describeFuzz('chaos', Number(process.env.KR_FUZZ_RUNS ?? 1200));
