/** Leader controller SIGKILLed mid-apply, sized for `npm test` (60 services x 3 instances). */
import { describeLeaderFault } from './support/leader-fault-suite';

describeLeaderFault({ label: 'quick', services: 60, killAfterWrites: 60 });
