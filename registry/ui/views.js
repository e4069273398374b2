// Pure-ish renderers: data in, DOM nodes out (built with h(), so all text is escaped).
// Times are computed against `now` so the page can re-render lease ages every second without
// asking the registry again.

import { h, formatClock, formatDuration, secondsSince } from './dom.js';

const GATEWAY_HEALTH_LABELS = {
  HEALTHY: 'healthy',
  UNHEALTHY: 'unhealthy',
  HEALTHCHECKS_OFF: 'checks off',
  DNS_ERROR: 'DNS error',
  UNKNOWN: 'unknown',
};

/**
 * Whether a service has a route in Kong (`definition.route` false: a worker; absent: routed).
 * @param {any} service
 */
function isRouted(service) {
  return service.definition?.route !== false;
}

/**
 * One row per routed service, ordered by prefix.
 * @param {any[]} services ServiceView objects
 * @param {number} now epoch ms
 * @returns {HTMLTableRowElement[]}
 */
export function renderRouteRows(services, now) {
  return services
    .filter(isRouted)
    .sort((a, b) => prefixOf(a).localeCompare(prefixOf(b)))
    .map((service) => {
      const instances = Array.isArray(service.instances) ? service.instances : [];
      return h(
        'tr',
        { 'data-service': service.name },
        h(
          'td',
          { class: 'prefixes' },
          prefixesOf(service).map((prefix) =>
            h(
              'code',
              // Kong matches whole segments: the prefix itself and everything below it.
              { title: `${prefix} and ${prefix}/... (whole path segments)` },
              prefix,
            ),
          ),
        ),
        h('td', {}, service.name),
        h('td', {}, describeAuth(service.definition?.auth)),
        h(
          'td',
          {},
          instances.length === 0
            ? h('span', { class: 'muted' }, 'none live')
            : [
                h('div', { class: 'summary' }, summarize(instances)),
                h(
                  'ul',
                  { class: 'instances' },
                  instances.map((i) => renderInstance(i, now)),
                ),
              ],
        ),
      );
    });
}

/**
 * One row per route-less service (a worker, queue consumer, GPU job), ordered by name: no prefix
 * and no Kong, so what matters is where it runs, its labels and its own health.
 * @param {any[]} services ServiceView objects
 * @param {number} now epoch ms
 * @returns {HTMLTableRowElement[]}
 */
export function renderWorkerRows(services, now) {
  return services
    .filter((service) => !isRouted(service))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
    .map((service) => {
      const instances = Array.isArray(service.instances) ? service.instances : [];
      const healthy = instances.filter(isHealthy).length;
      return h(
        'tr',
        { 'data-service': service.name },
        h('td', {}, service.name),
        h(
          'td',
          {},
          h('div', { class: 'summary' }, `${instances.length} live, ${healthy} healthy`),
          h(
            'ul',
            { class: 'instances' },
            instances.map((i) => renderInstance(i, now, false)),
          ),
        ),
      );
    });
}

/**
 * The registry's rule (its isInstanceHealthy): not draining, not reported down by Kong, not
 * unhealthy by its own report. The timelines and the fleet view count by it too.
 * @param {any} i an Instance
 */
export function isHealthy(i) {
  return (
    !i.draining &&
    i.selfHealth?.status !== 'unhealthy' &&
    !['UNHEALTHY', 'DNS_ERROR'].includes(i.gatewayHealth?.status)
  );
}

/**
 * "3 live, 2 taking traffic": the registry's rule (see isHealthy).
 * @param {any[]} instances
 */
function summarize(instances) {
  return `${instances.length} live, ${instances.filter(isHealthy).length} taking traffic`;
}

/** @param {any} service */
function prefixOf(service) {
  return String(service.definition?.prefix ?? `/${service.name}`);
}

/**
 * Every prefix of a routed service: its prefix, then its extra ones (a gRPC server hosting
 * several gRPC services).
 * @param {any} service
 * @returns {string[]}
 */
function prefixesOf(service) {
  const extra = service.definition?.extraPrefixes;
  return [prefixOf(service), ...(Array.isArray(extra) ? extra.map(String) : [])];
}

/** @param {any} auth an AuthPolicy, or a bare type string */
function describeAuth(auth) {
  const type = typeof auth === 'string' ? auth : (auth?.type ?? 'none');
  const groups =
    typeof auth === 'object' && Array.isArray(auth?.allowGroups) ? auth.allowGroups : [];
  return groups.length > 0 ? `${type} (groups: ${groups.join(', ')})` : type;
}

/**
 * @param {any} instance an Instance
 * @param {number} now
 * @param {boolean} [routed] false for a worker: no Kong badge
 */
function renderInstance(instance, now, routed = true) {
  const gateway = instance.gatewayHealth?.status ?? null;
  const labels = Object.entries(instance.labels ?? {});
  const own = instance.selfHealth ?? null;
  return h(
    'li',
    { 'data-instance-id': instance.instanceId },
    h('code', { class: 'instance-id' }, instance.instanceId),
    ' ',
    h('span', { class: 'address' }, `${instance.host}:${instance.port}`),
    instance.version ? h('span', { class: 'muted' }, ` v${instance.version}`) : null,
    h(
      'span',
      {
        class: 'lease',
        'data-heartbeat-at': instance.lastHeartbeatAt ?? null,
        'data-expires-at': instance.leaseExpiresAt ?? null,
      },
      describeLease(instance.lastHeartbeatAt, instance.leaseExpiresAt, now),
    ),
    ' ',
    routed
      ? h(
          'span',
          {
            class: 'badge',
            'data-health': gateway ?? 'not-reported',
            title: instance.gatewayHealth ? `reported ${instance.gatewayHealth.reportedAt}` : null,
          },
          `Kong: ${gateway ? (GATEWAY_HEALTH_LABELS[gateway] ?? gateway) : 'not reported'}`,
        )
      : null,
    own || !routed
      ? h(
          'span',
          {
            class: 'badge self-health',
            'data-health': own ? own.status : 'not-reported',
            title: own ? `reported ${own.reportedAt}` : null,
          },
          own ? `self: ${own.status}${own.detail ? ` (${own.detail})` : ''}` : 'self: not reported',
        )
      : null,
    labels.length > 0
      ? h(
          'span',
          { class: 'labels' },
          labels.map(([key, value]) => h('code', { class: 'label' }, `${key}=${value}`)),
        )
      : null,
    instance.draining
      ? h(
          'span',
          { class: 'badge', 'data-health': 'draining' },
          instance.drainUntil
            ? `draining, ${formatDuration(-secondsSince(instance.drainUntil, now))} left`
            : 'draining',
        )
      : null,
  );
}

/**
 * " · heartbeat 3s ago, lease 12s left", from the instance's times and the current time.
 * @param {string | null | undefined} heartbeatAt
 * @param {string | null | undefined} expiresAt
 * @param {number} now
 */
function describeLease(heartbeatAt, expiresAt, now) {
  const age = secondsSince(heartbeatAt, now);
  const left = -secondsSince(expiresAt, now);
  const heartbeat = Number.isNaN(age)
    ? ' · no heartbeat yet'
    : ` · heartbeat ${formatDuration(age)} ago`;
  if (Number.isNaN(left)) return heartbeat;
  return left > 0
    ? `${heartbeat}, lease ${formatDuration(left)} left`
    : `${heartbeat}, lease expired`;
}

/**
 * Refreshes the lease texts in place (every second), without rebuilding rows under the reader.
 * @param {ParentNode} root
 * @param {number} now
 */
export function updateLeaseAges(root, now) {
  for (const span of root.querySelectorAll('span.lease')) {
    const element = /** @type {HTMLElement} */ (span);
    element.textContent = describeLease(
      element.dataset.heartbeatAt,
      element.dataset.expiresAt,
      now,
    );
  }
}

/**
 * Consumers without a single secret: credentials show their type, id and, for JWT, the
 * algorithm and the `iss` key (a public identifier, not the secret).
 * @param {any[]} consumers
 * @returns {HTMLTableRowElement[]}
 */
export function renderConsumerRows(consumers) {
  return [...consumers]
    .sort((a, b) => String(a.username).localeCompare(String(b.username)))
    .map((consumer) => {
      const credentials = Array.isArray(consumer.credentials) ? consumer.credentials : [];
      return h(
        'tr',
        { 'data-consumer': consumer.username },
        h('td', {}, consumer.username),
        h('td', {}, consumer.customId ?? h('span', { class: 'muted' }, '–')),
        h('td', {}, (consumer.groups ?? []).join(', ') || h('span', { class: 'muted' }, 'none')),
        h(
          'td',
          {},
          credentials.length === 0
            ? h('span', { class: 'muted' }, 'none')
            : h('ul', { class: 'credentials' }, credentials.map(renderCredential)),
        ),
      );
    });
}

/** @param {any} credential */
function renderCredential(credential) {
  const detail =
    credential.type === 'jwt' ? ` ${credential.algorithm ?? ''} iss=${credential.key ?? '?'}` : '';
  return h(
    'li',
    {},
    h('strong', {}, credential.type),
    detail,
    h('span', { class: 'muted' }, ` ${credential.id}`),
  );
}

/**
 * One list item per event, newest first, numbered from the oldest (1) up. The number is text in
 * the item, not a list marker: a marker sits outside the scrolling box and lost its leading digits.
 * @param {any[]} events RegistryEvent objects, oldest first
 * @returns {HTMLLIElement[]}
 */
export function renderEventItems(events) {
  return [...events].reverse().map((event, index) => {
    const subject = [event.service, event.instanceId, event.consumer].filter(Boolean).join(' / ');
    return h(
      'li',
      { 'data-event-type': event.type },
      h('span', { class: 'event-number' }, `${events.length - index}.`),
      ' ',
      h('time', { datetime: event.at }, formatClock(event.at)),
      ' ',
      h('strong', {}, event.type),
      subject ? ` ${subject}` : '',
      event.reason ? h('span', { class: 'muted' }, ` (${event.reason})`) : null,
    );
  });
}
