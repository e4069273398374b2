/** `npm run test:chaos`: 300 services x 3 instances, the leader killed deep into the apply. */
import { describeLeaderFault } from './support/leader-fault-suite';

jest.setTimeout(180_000);
describeLeaderFault({ label: 'chaos', services: 300, killAfterWrites: 500 });
