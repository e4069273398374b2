// The fleet by box: which host runs what. Instances are grouped by their `host` label (what an
// operator calls the box: `host=box-2`), falling back to the address they registered, so a box
// without labels still gets its own group. Pure apart from building nodes.

import { h } from './dom.js';
import { isHealthy } from './views.js';

/**
 * Groups every live instance by host, hosts in natural order (box-2 before box-10), instances by
 * service then id.
 * @param {any[]} services ServiceView objects
 * @returns {{host: string, labelled: boolean, instances: {service: string, instance: any}[]}[]}
 */
export function groupByHost(services) {
  const groups = new Map();
  for (const service of services) {
    for (const instance of Array.isArray(service.instances) ? service.instances : []) {
      const label = instance.labels?.host;
      const host = label ? String(label) : String(instance.host);
      const group = groups.get(host) ?? { host, labelled: Boolean(label), instances: [] };
      groups.set(host, group);
      group.instances.push({ service: String(service.name), instance });
    }
  }
  const natural = (a, b) => a.localeCompare(b, undefined, { numeric: true });
  return [...groups.values()]
    .sort((a, b) => natural(a.host, b.host))
    .map((g) => ({
      ...g,
      instances: g.instances.sort(
        (a, b) =>
          natural(a.service, b.service) ||
          natural(String(a.instance.instanceId), String(b.instance.instanceId)),
      ),
    }));
}

/**
 * One card per host: its name (and whether it comes from the label or the address), a count,
 * and each instance as "service instance-id" with its state written out.
 * @param {ReturnType<typeof groupByHost>} groups
 * @returns {HTMLElement[]}
 */
export function renderHostCards(groups) {
  return groups.map(({ host, labelled, instances }) => {
    const healthy = instances.filter(({ instance }) => isHealthy(instance)).length;
    return h(
      'li',
      { class: 'host', 'data-host': host },
      h(
        'h3',
        {},
        host,
        labelled ? null : h('span', { class: 'muted', title: 'no host label' }, ' (address)'),
      ),
      h('div', { class: 'summary' }, `${instances.length} running, ${healthy} healthy`),
      h(
        'ul',
        {},
        instances.map(({ service, instance }) => {
          const state = instance.draining ? 'draining' : isHealthy(instance) ? 'healthy' : 'down';
          return h(
            'li',
            {
              'data-service': service,
              'data-instance-id': instance.instanceId,
              'data-state': state,
            },
            h('strong', {}, service),
            ' ',
            h('code', {}, instance.instanceId),
            ' ',
            h(
              'span',
              { class: 'badge', 'data-health': state === 'down' ? 'unhealthy' : state },
              state,
            ),
          );
        }),
      ),
    );
  });
}
