/** Redis SIGKILLed once and restarted empty under load, sized for `npm test`. */
import { describeRedisFault } from './support/redis-fault-suite';

describeRedisFault({ label: 'quick', instances: 4, outageMs: 4000, cycles: 1 });
