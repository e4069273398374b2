/**
 * `npm run test:chaos`: the fleet soak's 2-minute form (issue #16, part 3; the scenario is in
 * support/soak/fleet-soak.ts). The 30-minute form is fleet-soak.soak.test.ts, run by
 * `npm run soak`.
 */
import { describeFleetSoak } from './support/soak/fleet-soak';

describeFleetSoak({
  label: 'chaos',
  minutes: 2,
  services: 200,
  perService: 10,
  churnPercentPerMinute: 1,
  proxiedPerSecond: 40,
  serviceTimeMs: 100,
  idleWindowSeconds: 45,
  idleEveryMinutes: 10,
  sampleSeconds: 5,
  warmupSeconds: 20,
  eventsMaxLen: 1000,
});
