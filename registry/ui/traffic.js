// Request and error rates per service from Kong's prometheus plugin, as the registry reads them
// (GET /v1/traffic). Optional: when the registry knows no Kong metrics URL, nothing is shown.

import { h } from './dom.js';

/**
 * @param {any} reply a TrafficReply, or null before the first read
 * @returns {Map<string, any>} ServiceTraffic by service
 */
export function trafficByService(reply) {
  const services = Array.isArray(reply?.services) ? reply.services : [];
  return new Map(services.map((s) => [String(s.service), s]));
}

/** @param {number} n */
function rate(n) {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/**
 * "12.5 req/s · 3.2% 5xx", or why there is nothing to show.
 * @param {any} reply the whole TrafficReply (configured? a problem?)
 * @param {any} entry this service's ServiceTraffic, if Kong counted any request for it
 * @returns {HTMLElement | null}
 */
export function renderTraffic(reply, entry) {
  if (!reply?.configured) return null;
  if (reply.problem)
    return h('span', { class: 'traffic muted', title: reply.problem }, 'Kong metrics unavailable');
  if (!entry) return h('span', { class: 'traffic muted' }, 'no requests counted by Kong');
  if (entry.requestsPerSecond === null)
    return h('span', { class: 'traffic muted' }, 'measuring requests…');
  const rps = entry.requestsPerSecond;
  const errorShare = rps > 0 ? (100 * entry.errorsPerSecond) / rps : 0;
  return h(
    'span',
    {
      class: 'traffic',
      'data-rps': rps,
      'data-error-percent': errorShare.toFixed(1),
      'data-state': errorShare >= 5 ? 'bad' : errorShare > 0 ? 'pending' : 'ok',
      title: `over the last ${Math.round(reply.windowSeconds ?? 0)} s, from Kong's prometheus plugin`,
    },
    `${rate(rps)} req/s · ${errorShare.toFixed(1)}% 5xx`,
  );
}
