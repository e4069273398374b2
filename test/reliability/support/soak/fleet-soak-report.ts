/**
 * The fleet soak's report (./fleet-soak.ts runs it): the Markdown written under
 * KR_SOAK_REPORT_DIR, from a run's result alone.
 */
import type { FleetSoakOptions, FleetSoakResult, HeartbeatBuckets } from './fleet-soak';
import { contextLine, table } from './report';
import { round, type Trend } from './stats';

/** Seconds left out of the memory fits at the start of a run (at most a quarter of it). */
export const warmupOf = (o: FleetSoakOptions): number => Math.min(o.warmupSeconds, o.minutes * 15);

/** `registrySide` as shares within each bound, and the bound the 99th percentile falls under. */
function registrySideSummary(buckets: HeartbeatBuckets): string {
  const total = buckets['+Inf'] ?? 0;
  if (total === 0) return 'n/a';
  const bounds = Object.keys(buckets)
    .filter((le) => le !== '+Inf')
    .sort((a, b) => Number(a) - Number(b));
  const p99 = bounds.find((le) => buckets[le]! >= 0.99 * total);
  const shares = bounds
    .filter((le) => Number(le) <= 0.1)
    .map((le) => `${round((100 * buckets[le]!) / total, 2)} % within ${Number(le) * 1000} ms`);
  return `${shares.join(', ')}; p99 ${p99 ? `<= ${Number(p99) * 1000} ms` : '> 2.5 s'} (${total.toLocaleString('en')} heartbeats)`;
}

/** Median and largest of `values` (NaN when there are none). */
function medianAndMax(values: number[]): { median: number; max: number } {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** The driver's own event-loop delay per window: the harness's share of a heartbeat's time. */
const loopDelays = (r: FleetSoakResult) => medianAndMax(r.samples.map((s) => s.loopDelayP99Ms));

/** The machine's load over the run. */
const loads = (r: FleetSoakResult) => medianAndMax(r.samples.map((s) => s.load));

/** Times Kong's proxy tried an instance that no longer answered (and retried another). */
export const upstreamFailures = (r: FleetSoakResult): number =>
  (r.kongWarnings['upstream connect failed'] ?? 0) +
  (r.kongWarnings['upstream request failed'] ?? 0);

/** The report as Markdown. */
export function renderFleetSoak(r: FleetSoakResult): string {
  const o = r.options;
  const fleetSize = o.services * o.perService;
  const churned = Object.values(r.churn.finished).reduce((a, b) => a + b, 0);
  const fmt = (t: Trend) =>
    Number.isFinite(t.slope) ? `${round(t.slope, 1)} ± ${round(t.slopeCi95, 1)}` : 'n/a';
  const rows = Object.entries(r.fits).map(([name, f]) => [
    name,
    f.startMb,
    f.endMb,
    f.peakMb,
    fmt(f.trend),
    round(f.trend.residualSd, 2),
    f.grows ? '**grows**' : 'flat',
    Number.isFinite(f.cpuPct) ? f.cpuPct : '',
  ]);
  const idleRows = r.idle.map((w) => [
    `${w.atS} s`,
    `${w.spanS} s`,
    w.wholeReconciles,
    w.kongRequests,
    w.kongWrites,
    w.controllerWrites,
  ]);
  return [
    `# Fleet soak (${o.label}): ${fleetSize.toLocaleString('en')} instances, ${o.minutes} min`,
    '',
    contextLine(r.context),
    '',
    `${o.services} services x ${o.perService} SDK instances in the test process (each a real HTTP server on its own loopback port), ` +
      `heartbeating every 5 s (lease 15 s, the defaults) through two registry replicas (child processes, LOG_LEVEL=warn, ` +
      `REGISTRY_EVENTS_MAXLEN=${o.eventsMaxLen}) on one redis-server; a controller process (DB mode, defaults, leader lock on the same Redis) ` +
      `against a kong-sim process (DB mode, Kong's defaults); ${o.proxiedPerSecond} proxied requests/s, half of them to services with a churn action under way. ` +
      `Churn: ${o.churnPercentPerMinute} % of the fleet per minute, ${churned} actions (restart ${r.churn.finished.restart}, drain ${r.churn.finished.drain}, new version ${r.churn.finished['new-version']}), each through the SDK's drain (weight 0, 6 s hold, deregister). ` +
      `Setup: ${fleetSize.toLocaleString('en')} registrations in ${round(r.setup.registerMs / 1000)} s, initial sync ${round(r.setup.initialSyncMs / 1000)} s.`,
    '',
    `Memory (resident set size; fits over ${r.samples.filter((s) => s.t >= warmupOf(o)).length} samples every ${o.sampleSeconds} s after a ${warmupOf(o)} s warm-up; slope ± its 95 % interval; "grows" when the interval lies above 0 and the growth exceeds twice the noise):`,
    '',
    table(
      [
        'process',
        'start MB',
        'end MB',
        'peak MB',
        'slope MB/h',
        'noise (sd) MB',
        'verdict',
        'CPU % of a core',
      ],
      rows,
    ),
    '',
    table(
      ['figure', 'value'],
      [
        [
          'event stream length (cap, min after warm-up, max)',
          `${r.stream.cap}, ${r.stream.minAfterWarmup}, ${r.stream.max}`,
        ],
        ['event stream bytes per entry', r.stream.bytesPerEntry],
        [
          'events appended per minute after the warm-up (the default cap of 10,000 holds this many minutes)',
          `${r.stream.eventsPerMinute} (${Math.round(10_000 / r.stream.eventsPerMinute)} min)`,
        ],
        [
          'the events the stream held at the end, by type',
          Object.entries(r.stream.typesAtEnd)
            .map(([type, n]) => `${n} ${type}`)
            .join(', '),
        ],
        [
          'heartbeats: count, p50 / p99 / p99.9 / max ms',
          `${r.heartbeats.count.toLocaleString('en')}, ${r.heartbeats.p50} / ${r.heartbeats.p99} / ${r.heartbeats.p999} / ${r.heartbeats.max}`,
        ],
        [`worst ${o.sampleSeconds} s window's heartbeat p99 (ms)`, r.heartbeats.worstWindowP99],
        [
          "the test process's event-loop delay p99, median / worst window (ms): part of every heartbeat's time",
          `${loopDelays(r).median} / ${loopDelays(r).max}`,
        ],
        [
          'heartbeats failed / leases lost / SDK errors',
          `${r.heartbeats.failures} / ${r.fleet.leasesLost} / ${r.fleet.sdkErrors}`,
        ],
        [
          'heartbeats as the registry replicas timed them (their histogram buckets)',
          registrySideSummary(r.registrySide),
        ],
        [
          '1-min load average during the run: median / max (2 cores; above 2, other work waited for CPU)',
          `${loads(r).median} / ${loads(r).max}`,
        ],
        [
          'proxied requests ok / failed / misrouted',
          `${r.traffic.ok.toLocaleString('en')} / ${r.traffic.failed} / ${r.traffic.misrouted}` +
            (r.traffic.failed > 0
              ? ` (${Object.entries(r.traffic.failures)
                  .map(([what, n]) => `${n} x ${what}`)
                  .join(', ')}: a status is Kong's answer, a name an error in the test's client)`
              : ''),
        ],
        [
          "kong-sim's proxy trying an instance that was gone (upstream connect/request failures, retried elsewhere)",
          upstreamFailures(r),
        ],
        [
          "kong-sim's warn/error lines",
          Object.entries(r.kongWarnings)
            .map(([m, n]) => `${n} x ${m}`)
            .join('; ') || 'none',
        ],
        [
          'requests that reached an instance after its drain began (before Kong had weight 0)',
          r.fleet.servedWhileLeaving,
        ],
        [
          'drains that timed out / restarts that changed port',
          `${r.fleet.drainTimeouts} / ${r.fleet.portsChanged}`,
        ],
        ['churn actions failed', r.churn.failed],
        [
          'Kong targets equal to the live fleet at the end',
          `${r.endCheck.services - r.endCheck.mismatched.length} of ${r.endCheck.services} services`,
        ],
      ],
    ),
    '',
    'Idle windows (churn paused, Kong quiet for 5 s first; heartbeats, health feedback and traffic going on):',
    '',
    table(
      ['at', 'span', 'whole resyncs', 'Admin API requests', 'Kong writes', 'controller writes'],
      idleRows,
    ),
    '',
  ].join('\n');
}

/** Defines the jest test of one soak run; `fromEnv` lets KR_SOAK_* variables change its size. */
