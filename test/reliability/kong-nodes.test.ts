/**
 * Three DB-less Kong nodes (issue #16, part 4; the scenario is in support/kong-nodes-suite.ts):
 * two restarts of a node under traffic and one partition of a node's Admin API, with a 3 s
 * resync. The long form, with the default resync, is kong-nodes.soak.test.ts (`npm run soak`).
 */
import { describeKongNodes } from './support/kong-nodes-suite';

jest.setTimeout(60_000);
describeKongNodes({
  label: 'quick',
  restarts: 2,
  partitions: 1,
  partitionMs: 3000,
  resync: '3s',
  retryMax: '1s',
  services: 4,
  perService: 2,
});
