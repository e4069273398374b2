// Per-service timelines of the last hour: healthy and live instances, one column per minute.
// Two sources, merged by minute: the registry's compact history (GET /v1/history, sampled by
// every replica) and what this page saw itself on each re-read the event stream triggered, so
// a change shows at once, before any sample. Pure apart from building SVG nodes.

import { formatClock, h } from './dom.js';
import { isHealthy } from './views.js';

export const MINUTE_MS = 60_000;
export const WINDOW_MINUTES = 60;
const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 240;
const HEIGHT = 40;
/** Below the columns: a tick every 15 minutes. */
const AXIS = 5;
const COLUMN = WIDTH / WINDOW_MINUTES;

/** @typedef {{total: number, healthy: number, minHealthy: number, maxTotal: number}} Bucket */

/** @param {number} ms */
export const minuteOf = (ms) => Math.floor(ms / MINUTE_MS);

/**
 * Records what the page sees now into `seen` (service -> minute -> Bucket): every live service,
 * and 0 for one seen before, or named in `known` (the history's), that has no instance now.
 * Minutes past the window go.
 * @param {Map<string, Map<number, Bucket>>} seen
 * @param {any[]} services ServiceView objects
 * @param {number} now epoch ms
 * @param {Iterable<string>} [known] other services the page knows of
 */
export function observe(seen, services, now, known = []) {
  const minute = minuteOf(now);
  const counts = new Map();
  for (const s of services) {
    const instances = Array.isArray(s.instances) ? s.instances : [];
    counts.set(s.name, { total: instances.length, healthy: instances.filter(isHealthy).length });
  }
  for (const name of [...seen.keys(), ...known])
    if (!counts.has(name)) counts.set(name, { total: 0, healthy: 0 });
  for (const [name, { total, healthy }] of counts) {
    const minutes = seen.get(name) ?? new Map();
    seen.set(name, minutes);
    const prior = minutes.get(minute);
    minutes.set(minute, {
      total,
      healthy,
      minHealthy: Math.min(prior?.minHealthy ?? healthy, healthy),
      maxTotal: Math.max(prior?.maxTotal ?? total, total),
    });
    for (const m of minutes.keys()) if (m <= minute - WINDOW_MINUTES) minutes.delete(m);
  }
}

/**
 * One service's last hour, oldest minute first (null: no sample that minute). The stored history
 * and the page's own view merge by min and max; the latest counts are the page's for the current
 * minute (it re-read the registry last), the history's before.
 * @param {any[]} points the service's HistoryPoints from GET /v1/history
 * @param {Map<number, Bucket> | undefined} own what the page saw, by minute
 * @param {number} now
 * @returns {(Bucket | null)[]}
 */
export function buckets(points, own, now) {
  const last = minuteOf(now);
  const stored = new Map();
  for (const p of points ?? []) stored.set(minuteOf(Date.parse(p.at)), p);
  const out = [];
  for (let m = last - WINDOW_MINUTES + 1; m <= last; m++) {
    const a = stored.get(m);
    const b = own?.get(m);
    if (!a && !b) {
      out.push(null);
      continue;
    }
    const latest = m === last ? (b ?? a) : (a ?? b);
    out.push({
      total: latest.total,
      healthy: latest.healthy,
      minHealthy: Math.min(a?.minHealthy ?? Infinity, b?.minHealthy ?? Infinity),
      maxTotal: Math.max(a?.maxTotal ?? 0, b?.maxTotal ?? 0),
    });
  }
  return out;
}

/** @param {string} tag @param {Record<string, string | number>} attrs */
function svg(tag, attrs) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

/**
 * The latest counts, and the fewest healthy instances of the window with the (last) minute it
 * happened ("12:31"); low is null when no minute dipped below the current count.
 * @param {(Bucket | null)[]} columns
 * @param {number} now
 */
export function summarize(columns, now) {
  const present = columns.flatMap((c, i) => (c ? [{ c, i }] : []));
  const current = present.at(-1)?.c ?? null;
  if (!current) return { current, low: null, lowAt: '' };
  const fewest = Math.min(...present.map(({ c }) => c.minHealthy));
  if (fewest >= current.healthy) return { current, low: null, lowAt: '' };
  const index = present.findLast(({ c }) => c.minHealthy === fewest)?.i ?? 0;
  const minute = minuteOf(now) - WINDOW_MINUTES + 1 + index;
  const lowAt = formatClock(new Date(minute * MINUTE_MS).toISOString()).slice(0, 5);
  return { current, low: fewest, lowAt };
}

/**
 * "2/3 healthy · low 1 at 12:31": the same as the chart, in words.
 * @param {(Bucket | null)[]} columns
 * @param {number} now
 */
export function describeTimeline(columns, now) {
  const { current, low, lowAt } = summarize(columns, now);
  if (!current) return 'no sample yet';
  const head = current.total === 0 ? 'none live' : `${current.healthy}/${current.total} healthy`;
  return low === null ? head : `${head} · low ${low} at ${lowAt}`;
}

/**
 * The timeline as an inline SVG, one column per minute: grey up to the live instances, green up
 * to the healthy ones, red over the part of the green that was not healthy at some moment of that
 * minute (a dip between two looks), a red base for a minute that ended with none healthy. Its
 * label says the same in words; data-now ("healthy/total") and data-low are for tests.
 * @param {string} service
 * @param {(Bucket | null)[]} columns from {@link buckets}
 * @param {number} now
 */
export function renderTimeline(service, columns, now) {
  const top = Math.max(1, ...columns.map((c) => (c ? c.maxTotal : 0)));
  const y = (/** @type {number} */ n) => HEIGHT - 1 - (n / top) * (HEIGHT - 3);
  const chart = svg('svg', {
    class: 'timeline',
    width: WIDTH,
    height: HEIGHT + AXIS,
    viewBox: `0 0 ${WIDTH} ${HEIGHT + AXIS}`,
    role: 'img',
  });
  chart.append(
    svg('line', { class: 'base', x1: 0, x2: WIDTH, y1: HEIGHT - 0.5, y2: HEIGHT - 0.5 }),
  );
  for (let m = 0; m <= WINDOW_MINUTES; m += 15) {
    const x = Math.min(WIDTH - 0.5, Math.max(0.5, m * COLUMN));
    chart.append(svg('line', { class: 'tick', x1: x, x2: x, y1: HEIGHT, y2: HEIGHT + AXIS }));
  }
  columns.forEach((c, i) => {
    if (!c) return;
    const column = (
      /** @type {string} */ cls,
      /** @type {number} */ from,
      /** @type {number} */ to,
    ) =>
      chart.append(
        svg('rect', {
          class: cls,
          x: i * COLUMN + 0.5,
          width: COLUMN - 1,
          y: y(to),
          height: y(from) - y(to),
        }),
      );
    if (c.total > 0) column('total', 0, c.total);
    if (c.healthy > 0) column('healthy', 0, c.healthy);
    if (c.minHealthy < c.healthy) column('dip', c.minHealthy, c.healthy);
    if (c.healthy === 0)
      chart.append(
        svg('rect', { class: 'down', x: i * COLUMN, width: COLUMN, y: HEIGHT - 3, height: 3 }),
      );
  });
  const { current, low } = summarize(columns, now);
  chart.dataset.now = current ? `${current.healthy}/${current.total}` : '';
  chart.dataset.low = low === null ? '' : String(low);
  const words = `${service}, last hour: ${describeTimeline(columns, now)}`;
  chart.setAttribute('aria-label', words);
  const title = svg('title', {});
  title.textContent = words;
  chart.prepend(title);
  return chart;
}

/**
 * One row per service that is live, or was within the hour (its timeline shows it leave):
 * name, chart, and the counts in words with Kong's rates under them when there are any.
 * @param {{services: any[], history: Map<string, any[]>, seen: Map<string, Map<number, Bucket>>, now: number, traffic: (service: string) => Node | null}} input
 * @returns {HTMLTableRowElement[]}
 */
export function renderTimelineRows({ services, history, seen, now, traffic }) {
  const live = new Map(services.map((s) => [String(s.name), s]));
  const names = [...new Set([...live.keys(), ...history.keys(), ...seen.keys()])].sort();
  return names.map((name) => {
    const columns = buckets(history.get(name) ?? [], seen.get(name), now);
    const service = live.get(name);
    const kind = !service ? 'gone' : service.definition?.route === false ? 'worker' : null;
    return h(
      'tr',
      { 'data-timeline': name },
      h('td', {}, name, kind ? h('span', { class: 'muted' }, ` (${kind})`) : null),
      h('td', {}, renderTimeline(name, columns, now)),
      h(
        'td',
        {},
        h('div', { class: 'timeline-now' }, describeTimeline(columns, now)),
        traffic(name),
      ),
    );
  });
}
