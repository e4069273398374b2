/** `npm run test:chaos`: kong-sim down for 60 s, then restarted empty. */
import { describeKongFault } from './support/kong-fault-suite';

jest.setTimeout(180_000);
describeKongFault('chaos', 60_000);
