/**
 * `npm run soak -- sentinel-failover`: the long form of the Redis Sentinel failover scenario
 * (issue #16, part 1). The master is SIGKILLed 20 times under load, the killed node rejoining as
 * a replica each time (support/sentinel-failover-suite.ts); then 10 host crashes with a lagging
 * replication link in each durability mode, to count how often an acknowledged registration is
 * lost with and without REGISTRY_REDIS_MIN_REPLICAS_ACK (support/sentinel-durability-suite.ts);
 * then the leader lock's window with a slow Kong. KR_SENTINEL_CYCLES and KR_SENTINEL_CRASHES
 * change the run. The quick form (one of each) runs in `npm test`: sentinel-failover.test.ts and
 * sentinel-durability.test.ts. The report lists every figure.
 */
import { recordedFigures } from './support/figures';
import { describeSentinelDurability } from './support/sentinel-durability-suite';
import { describeSentinelFailover } from './support/sentinel-failover-suite';
import { describeLeaderWindow } from './support/sentinel-leader-window-suite';
import { contextLine, endContext, runContext, table, writeReport } from './support/soak/report';

const count = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const cycles = count('KR_SENTINEL_CYCLES', 20);
const crashes = count('KR_SENTINEL_CRASHES', 10);
const context = runContext();

describeSentinelFailover({
  label: 'soak',
  echoes: 8,
  cycles,
  perSecond: 100,
  warmAcks: 300,
  lockTtl: '2s',
});
describeSentinelDurability({ label: 'soak', lagMs: 50, crashes, perSecond: 100, warmAcks: 150 });
describeLeaderWindow('soak');

afterAll(() => {
  const markdown = [
    `# Redis Sentinel failover (${cycles} master kills, ${crashes} host crashes per durability mode)`,
    '',
    contextLine(endContext(context)),
    '',
    table(
      ['suite', 'figure', 'value'],
      recordedFigures.map((f) => [f.suite, f.name, String(f.value).replace(/\|/g, '/')]),
    ),
    '',
  ].join('\n');
  const path = writeReport('sentinel-failover', markdown, recordedFigures);
  process.stdout.write(`sentinel failover report: ${path}\n`);
});
