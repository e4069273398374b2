/**
 * `npm run bench`: runs the benchmarks, prints a table per benchmark and writes
 * bench/results/latest.json and latest.md. Not part of `npm test`. See bench/README.md.
 */
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './lib/paths';
import {
  describeMachine,
  renderText,
  writeResults,
  type Section,
  type SuiteOptions,
} from './lib/report';
import { stopAll } from './lib/procs';
import { convergenceSuite } from './suites/convergence';
import { fleetSuite } from './suites/fleet';
import { steadySuite } from './suites/steady';
import { footprintSuite } from './suites/footprint';
import { reconcileSuite } from './suites/reconcile';
import { replicationSuite } from './suites/replication';
import { throughputSuite } from './suites/throughput';

const SUITES: Record<string, (options: SuiteOptions) => Promise<Section>> = {
  throughput: throughputSuite,
  footprint: footprintSuite,
  reconcile: reconcileSuite,
  convergence: convergenceSuite,
  fleet: fleetSuite,
  steady: steadySuite,
  replication: replicationSuite,
};

const HELP = `Usage: node bench/dist/bench/src/main.js [--only a,b] [--runs N] [--duration S] [--quick]

Benchmarks (all by default, in this order): ${Object.keys(SUITES).join(', ')}
  --only LIST     comma-separated subset
  --runs N        runs per point; figures are medians (default 3)
  --duration S    seconds per load-generator run (default 5)
  --quick         1 run of 2 s per point and smaller sizes (smoke test, not for quoting)
  --out DIR       where latest.json/latest.md go (default bench/results; with --quick,
                  kong-registry-bench-quick in the temp folder)
Results of benchmarks not run are kept from the previous latest.json.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const quick = values.quick ?? false;
  const options: SuiteOptions = {
    quick,
    runs: Number(values.runs ?? (quick ? 1 : 3)),
    durationSeconds: Number(values.duration ?? (quick ? 2 : 5)),
  };
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SUITES);
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const machine = describeMachine();
  console.log(`bench on ${machine.cpu} x ${machine.cores}, Node ${machine.node}, ${machine.redis}`);
  const sections: Section[] = [];
  // A smoke run's figures are not for quoting: they never replace the committed results.
  const out =
    values.out ??
    (quick ? join(tmpdir(), 'kong-registry-bench-quick') : join(BENCH_DIR, 'results'));
  for (const name of names) {
    const started = Date.now();
    const loadBefore = loadavg()[0]!.toFixed(1);
    console.error(`\n[bench] ${name} ...`);
    const section = await SUITES[name]!(options);
    // Other work on the machine skews absolute figures; the 1-minute load average says how much.
    section.notes.push(
      `Ran ${new Date(started).toISOString()} in ${Math.round((Date.now() - started) / 1000)} s; 1-min load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after (2 cores).`,
    );
    sections.push(section);
    console.log(renderText(section));
    writeResults(out, machine, sections);
  }
  console.log(`\nwrote ${join(out, 'latest.json')} and latest.md`);
  return 0;
}

process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  });
