/**
 * Redis Sentinel failover when replication lags (issue #16, part 1): how many acknowledged
 * registrations a failover loses with the default settings, and that REGISTRY_REDIS_MIN_REPLICAS_ACK
 * loses none. One crash per mode; the soak form repeats them (sentinel-failover.soak.test.ts).
 */
import { describeSentinelDurability } from './support/sentinel-durability-suite';

describeSentinelDurability({
  label: 'quick',
  lagMs: 50,
  crashes: 1,
  perSecond: 100,
  warmAcks: 100,
});
