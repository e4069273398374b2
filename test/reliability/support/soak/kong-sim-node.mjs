// kong-sim as a process of its own for the soak (test/reliability/support/soak/), so that its
// memory is measured apart from the test's: the built package (dist), on free loopback ports,
// with Kong's default settings. kong-sim keeps every Admin API request for tests to read; over a
// long run that log would be what grows, so this process folds it into counters whenever the
// parent asks (IPC message 'counts') and forgets it. Prints one JSON line {admin, proxy} when
// ready; SIGTERM closes it. Its warn and error lines are counted by message rather than printed
// ('upstream connect failed': the proxy tried an instance that was gone, and retried another).
// Arguments: --mode db|dbless (default db).
import { startKongSim } from '@kong-registry/kong-sim';

const modeAt = process.argv.indexOf('--mode');
const mode = modeAt > 0 ? process.argv[modeAt + 1] : 'db';
const totals = {
  requests: 0,
  writes: 0,
  targetReads: 0,
  healthReads: 0,
  configPushes: 0,
  /** warn/error message -> lines. */
  warnings: {},
};
const count = (_fields, message = '(no message)') => {
  totals.warnings[message] = (totals.warnings[message] ?? 0) + 1;
};
const logger = { debug() {}, info() {}, warn: count, error: count };
const sim = await startKongSim({ mode, adminPort: 0, proxyPort: 0, logger });

const fold = () => {
  const log = sim.requests();
  sim.resetRequests();
  for (const { method, path } of log) {
    totals.requests += 1;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') totals.writes += 1;
    if (method === 'GET' && path.endsWith('/targets')) totals.targetReads += 1;
    if (method === 'GET' && path.endsWith('/health')) totals.healthReads += 1;
    if (method === 'POST' && path === '/config') totals.configPushes += 1;
  }
};
// Folded every few seconds as well, so the log stays small however seldom the parent asks.
setInterval(fold, 5000).unref();
process.on('message', (message) => {
  if (message === 'counts') {
    fold();
    process.send?.({ counts: { ...totals, warnings: { ...totals.warnings } } });
  }
});
process.once('SIGTERM', () => {
  void sim.close().then(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ admin: sim.admin, proxy: sim.proxy })}\n`);
