// The admin page: loads services and consumers from the registry, then follows GET /v1/events and
// reloads what changed. Each event schedules one (coalesced) refresh, so a burst of registrations
// costs one round of reads. `?refresh=N` also re-reads every N seconds (default 5, for heartbeats,
// which send no event); `?refresh=0` leaves the page to the event stream alone. The last-hour
// timelines merge the registry's history (re-read at most every HISTORY_REREAD_MS) with what each
// refresh saw; Kong's rates come with every refresh when the registry knows Kong's metrics.

import {
  ApiError,
  adoptTokenFromFragment,
  authHeaders,
  getJson,
  loadToken,
  saveToken,
} from './api.js';
import { groupByHost, renderHostCards } from './fleet.js';
import { followEventStream } from './sse.js';
import { observe, renderTimelineRows } from './timeline.js';
import { renderTraffic, trafficByService } from './traffic.js';
import {
  renderConsumerRows,
  renderEventItems,
  renderRouteRows,
  renderWorkerRows,
  updateLeaseAges,
} from './views.js';

const MAX_EVENTS = 50;
/** On first connect, replay this much history (stream ids start with a millisecond time). */
const HISTORY_MS = 15 * 60 * 1000;
const EVENT_DEBOUNCE_MS = 100;
/** The stored history changes once per sample (10 s by default): no need to read it more often. */
const HISTORY_REREAD_MS = 10_000;
const params = new URLSearchParams(location.search);
const refreshSeconds = Math.max(0, Number(params.get('refresh') ?? 5) || 0);

const page = {
  services: /** @type {any[]} */ ([]),
  consumers: /** @type {any[]} */ ([]),
  /** GET /v1/history: service -> points; and when it was read. */
  history: /** @type {Map<string, any[]>} */ (new Map()),
  historyReadAt: 0,
  /** What each refresh saw: service -> minute -> counts (timeline.js observe). */
  seen: new Map(),
  /** GET /v1/traffic, or null. */
  traffic: /** @type {any} */ (null),
  events: /** @type {any[]} */ ([]),
  seenEventIds: new Set(),
  stream: /** @type {AbortController | null} */ (null),
  refreshing: /** @type {Promise<void> | null} */ (null),
  refreshQueued: false,
  debounce: /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined),
};

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} text */
function announce(text) {
  byId('notice').textContent = text;
}

/**
 * @param {string} id
 * @param {string} state drives the colour (CSS) and is also spelled out in the text
 * @param {string} text
 */
function setIndicator(id, state, text) {
  const element = byId(id);
  element.dataset.state = state;
  element.textContent = text;
}

/** `GET /v1/services`: every service with its definition and live instances, and the revision. */
async function loadServices() {
  const body = await getJson('/v1/services');
  if (typeof body?.revision === 'number') byId('revision').textContent = String(body.revision);
  return Array.isArray(body?.services) ? body.services : [];
}

/** `GET /v1/consumers` (admin): consumers with credentials, secrets already left out. */
async function loadConsumers() {
  const body = await getJson('/v1/consumers');
  return Array.isArray(body?.consumers) ? body.consumers : [];
}

/**
 * The history (when due) and Kong's rates. Neither may spoil the rest of the page: a failed read
 * keeps what the page had.
 */
async function loadInsights() {
  const due = Date.now() - page.historyReadAt >= HISTORY_REREAD_MS;
  const [history, traffic] = await Promise.all([
    due ? getJson('/v1/history?window=1h').catch(() => null) : null,
    getJson('/v1/traffic').catch(() => page.traffic),
  ]);
  if (Array.isArray(history?.services)) {
    page.history = new Map(history.services.map((s) => [String(s.service), s.points]));
    page.historyReadAt = Date.now();
  }
  page.traffic = traffic;
}

async function checkRegistryHealth() {
  try {
    const response = await fetch('/readyz', { cache: 'no-store' });
    setIndicator(
      'registry-health',
      response.ok ? 'ok' : 'bad',
      response.ok ? 'ready' : `not ready (${response.status})`,
    );
  } catch {
    setIndicator('registry-health', 'bad', 'unreachable');
  }
}

/** Reads everything once; concurrent calls share one run and queue at most one more. */
function refresh() {
  if (page.refreshing) {
    page.refreshQueued = true;
    return page.refreshing;
  }
  page.refreshing = (async () => {
    try {
      const [services, consumers] = await Promise.all([
        loadServices(),
        loadConsumers(),
        checkRegistryHealth(),
        loadInsights(),
      ]);
      page.services = services;
      observe(page.seen, services, Date.now(), page.history.keys());
      page.consumers = consumers;
      renderAll();
      if (byId('notice').dataset.kind === 'error') announce('');
      delete byId('notice').dataset.kind;
    } catch (err) {
      reportError(err);
    } finally {
      page.refreshing = null;
      if (page.refreshQueued) {
        page.refreshQueued = false;
        void refresh();
      }
    }
  })();
  return page.refreshing;
}

/** @param {unknown} err */
function reportError(err) {
  byId('notice').dataset.kind = 'error';
  if (err instanceof ApiError && err.isAuth) {
    announce(
      loadToken()
        ? `The registry refused this token (${err.status} ${err.code}). Paste an admin token.`
        : 'The registry needs an admin token: paste one below (npx kong-registry token --admin).',
    );
    byId('token-input').focus();
  } else {
    announce(`Could not read the registry: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function renderAll() {
  const now = Date.now();
  renderInsights(now);
  const routes = renderRouteRows(page.services, now);
  byId('routes')
    .querySelector('tbody')
    ?.replaceChildren(...routes);
  byId('routes-empty').hidden = routes.length > 0;
  const workers = renderWorkerRows(page.services, now);
  byId('workers')
    .querySelector('tbody')
    ?.replaceChildren(...workers);
  byId('workers-empty').hidden = workers.length > 0;
  const consumers = renderConsumerRows(page.consumers);
  byId('consumers')
    .querySelector('tbody')
    ?.replaceChildren(...consumers);
  byId('consumers-empty').hidden = consumers.length > 0;
  renderEvents();
}

/** @param {number} now */
function renderInsights(now) {
  const traffic = trafficByService(page.traffic);
  const timelines = renderTimelineRows({
    services: page.services,
    history: page.history,
    seen: page.seen,
    now,
    traffic: (service) => renderTraffic(page.traffic, traffic.get(service)),
  });
  byId('timelines')
    .querySelector('tbody')
    ?.replaceChildren(...timelines);
  byId('timelines-empty').hidden = timelines.length > 0;
  const hosts = renderHostCards(groupByHost(page.services));
  byId('fleet').replaceChildren(...hosts);
  byId('fleet-empty').hidden = hosts.length > 0;
}

function renderEvents() {
  byId('events').replaceChildren(...renderEventItems(page.events));
  byId('events-empty').hidden = page.events.length > 0;
}

/** @param {{id: string, event: string, data: string}} message */
function onStreamMessage(message) {
  if (message.event === 'reset') {
    // The registry trimmed events we missed: only a full read is trustworthy now.
    void refresh();
    return;
  }
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return; // not ours (a keep-alive or a future non-JSON message)
  }
  if (!event || typeof event.type !== 'string') return;
  const id = event.id ?? message.id;
  if (id && page.seenEventIds.has(id)) return;
  if (id) page.seenEventIds.add(id);
  page.events.push(event);
  if (page.events.length > MAX_EVENTS) page.events.splice(0, page.events.length - MAX_EVENTS);
  if (typeof event.revision === 'number') byId('revision').textContent = String(event.revision);
  renderEvents();
  clearTimeout(page.debounce);
  page.debounce = setTimeout(() => void refresh(), EVENT_DEBOUNCE_MS);
}

/** @param {string} state @param {unknown} [detail] */
function onStreamState(state, detail) {
  if (state === 'open') setIndicator('stream-state', 'ok', 'live');
  else if (state === 'connecting') setIndicator('stream-state', 'pending', 'connecting…');
  else if (state === 'retrying')
    setIndicator('stream-state', 'bad', `disconnected, retrying in ${detail}s`);
  else if (state === 'unauthorized') {
    setIndicator('stream-state', 'bad', 'refused: token needed');
    reportError(new ApiError(Number(detail), 'REG_ERR_UNAUTHORIZED', 'unauthorized'));
  }
}

/** (Re)connects the event stream, then reads everything: no change can fall between the two. */
function connect() {
  page.stream?.abort();
  page.stream = new AbortController();
  void followEventStream({
    url: `/v1/events?since=${Math.max(0, Date.now() - HISTORY_MS)}-0`,
    headers: authHeaders,
    signal: page.stream.signal,
    onMessage: onStreamMessage,
    onState: (state, detail) => {
      onStreamState(state, detail);
      if (state === 'open') void refresh();
    },
  });
}

function wireTokenForm() {
  const form = /** @type {HTMLFormElement} */ (byId('token-form'));
  const input = /** @type {HTMLInputElement} */ (byId('token-input'));
  form.addEventListener('submit', (submit) => {
    submit.preventDefault();
    saveToken(input.value.trim());
    input.value = '';
    announce('Token saved for this tab; reconnecting.');
    connect();
  });
  byId('token-forget').addEventListener('click', () => {
    saveToken('');
    announce('Token forgotten.');
    connect();
  });
}

function start() {
  adoptTokenFromFragment();
  wireTokenForm();
  connect();
  void refresh();
  setInterval(() => updateLeaseAges(document.querySelector('main') ?? document, Date.now()), 1000);
  if (refreshSeconds > 0) setInterval(() => void refresh(), refreshSeconds * 1000);
}

start();
