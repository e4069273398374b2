/** kong-sim down a few seconds and restarted empty, sized for `npm test`. */
import { describeKongFault } from './support/kong-fault-suite';

describeKongFault('quick', 2000);
