/** `npm run test:chaos`: more instances, a 20 s outage, three kill/restart cycles. */
import { describeRedisFault } from './support/redis-fault-suite';

jest.setTimeout(240_000);
describeRedisFault({ label: 'chaos', instances: 12, outageMs: 20_000, cycles: 3 });
