/**
 * `npm run soak`: three DB-less Kong nodes with the controller's default timing
 * (RESYNC_INTERVAL 30 s, RETRY_MAX_INTERVAL 30 s, DBLESS_WATCH_INTERVAL 5 s): each node restarted empty twice under traffic,
 * and each cut off from the controller for 20 s while a service is added (issue #16, part 4; the
 * scenario is in support/kong-nodes-suite.ts). The short form runs in `npm test`.
 */
import { describeKongNodes } from './support/kong-nodes-suite';

jest.setTimeout(30 * 60_000);
describeKongNodes({
  label: 'soak',
  restarts: 6,
  partitions: 3,
  partitionMs: 20_000,
  resync: '30s',
  retryMax: '30s',
  watch: '5s',
  resyncOutlastsRun: false,
  services: 20,
  perService: 2,
});
