/**
 * `npm run soak`: 2,000 SDK instances (200 services x 10) for 30 minutes, with 1 % of them
 * replaced every minute (issue #16, part 3; the scenario is in support/soak/fleet-soak.ts).
 * KR_SOAK_MINUTES, KR_SOAK_SERVICES, KR_SOAK_PER_SERVICE, KR_SOAK_CHURN_PERCENT and
 * KR_SOAK_EVENTS_MAXLEN change the run. The 2-minute form runs in the chaos project.
 */
import { describeFleetSoak } from './support/soak/fleet-soak';

describeFleetSoak(
  {
    label: 'soak',
    minutes: 30,
    services: 200,
    perService: 10,
    churnPercentPerMinute: 1,
    proxiedPerSecond: 40,
    serviceTimeMs: 100,
    idleWindowSeconds: 45,
    idleEveryMinutes: 10,
    sampleSeconds: 10,
    warmupSeconds: 300,
    // Low enough for the cap to be reached in the run (the default is 10,000), so that the
    // stream's trimming and Redis's memory with a full stream are what is measured.
    eventsMaxLen: 1000,
  },
  { fromEnv: true },
);
