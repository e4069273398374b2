/**
 * Three DB-less Kong nodes (issue #16, part 4; the scenario is in support/kong-nodes-suite.ts):
 * two restarts of a node under traffic and one partition of a node's Admin API, with a 1 s node
 * watch and no periodic resync during the run. The long form, with the default timing, is
 * kong-nodes.soak.test.ts (`npm run soak`).
 */
import { describeKongNodes } from './support/kong-nodes-suite';

jest.setTimeout(60_000);
describeKongNodes({
  label: 'quick',
  restarts: 2,
  partitions: 1,
  partitionMs: 3000,
  // No periodic resync during the run: the node watch alone notices a restarted node.
  resync: '120s',
  retryMax: '1s',
  watch: '1s',
  resyncOutlastsRun: true,
  services: 4,
  perService: 2,
});
