/**
 * Redis Sentinel failover under load (issue #16, part 1): the master SIGKILLed once while about
 * 100 registrations/s and proxied traffic run (support/sentinel-failover-suite.ts), and the leader
 * lock with a slow Kong (support/sentinel-leader-window-suite.ts). The soak
 * form repeats the kill (sentinel-failover.soak.test.ts, `npm run soak`).
 */
import { describeSentinelFailover } from './support/sentinel-failover-suite';
import { describeLeaderWindow } from './support/sentinel-leader-window-suite';

describeSentinelFailover({
  label: 'quick',
  echoes: 4,
  cycles: 1,
  perSecond: 100,
  warmAcks: 200,
  lockTtl: '2s',
});

describeLeaderWindow('quick');
