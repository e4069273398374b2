import type { Instance, ServiceView } from '@kong-registry/sdk';
import { fleetSamples } from './fleet-metrics';

const instance = (
  service: string,
  instanceId: string,
  patch: Partial<Instance> = {},
): Instance => ({
  service,
  instanceId,
  host: '10.0.0.1',
  port: 9000,
  protocol: 'http',
  version: null,
  weight: 100,
  metadata: {},
  ttlSeconds: 15,
  registeredAt: '2030-01-01T00:00:00.000Z',
  lastHeartbeatAt: '2030-01-01T00:00:00.000Z',
  leaseExpiresAt: '2030-01-01T00:00:15.000Z',
  draining: false,
  drainUntil: null,
  gatewayHealth: null,
  labels: {},
  selfHealth: null,
  ...patch,
});

const view = (name: string, route: boolean | undefined, instances: Instance[]): ServiceView =>
  ({
    name,
    definition: {
      ...(route === undefined ? {} : { route }),
      prefix: route === false ? null : `/${name}`,
      stripPrefix: true,
      protocol: 'http',
      auth: { type: 'none', allowGroups: [] },
      healthCheck: {
        path: '/health',
        intervalSeconds: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        timeoutSeconds: 2,
      },
    },
    instances,
  }) as ServiceView;

const at = '2030-01-01T00:00:01.000Z';
const now = Date.parse('2030-01-01T00:01:00.000Z');

it('counts healthy instances per service by every health the registry knows', () => {
  const samples = fleetSamples(
    [
      view('orders', undefined, [
        instance('orders', 'a'),
        instance('orders', 'b', { gatewayHealth: { status: 'UNHEALTHY', reportedAt: at } }),
        instance('orders', 'c', { draining: true, drainUntil: at }),
      ]),
      view('worker', false, [
        instance('worker', 'w1', {
          selfHealth: { status: 'healthy', detail: null, reportedAt: at },
        }),
        instance('worker', 'w2', {
          selfHealth: { status: 'unhealthy', detail: 'x', reportedAt: at },
        }),
      ]),
    ],
    { now },
  );
  expect(samples.services).toEqual([
    { service: 'orders', routed: 'true', instances: 3, healthy: 1, draining: 1 },
    { service: 'worker', routed: 'false', instances: 2, healthy: 1, draining: 0 },
  ]);
  expect(samples.instances.map((i) => `${i.service}/${i.instance}:${i.routed}:${i.up}`)).toEqual([
    'orders/a:true:1',
    'orders/b:true:0',
    'orders/c:true:0',
    'worker/w1:false:1',
    'worker/w2:false:0',
  ]);
  expect(samples.dropped).toBe(0);
});

it('caps the per-instance series, never the per-service ones', () => {
  const samples = fleetSamples(
    [
      view('a', true, [instance('a', '1'), instance('a', '2')]),
      view('b', false, [instance('b', '1')]),
    ],
    { now, maxInstanceSeries: 2 },
  );
  expect(samples.instances.map((i) => `${i.service}/${i.instance}`)).toEqual(['a/1', 'a/2']);
  expect(samples.dropped).toBe(1);
  expect(samples.services.map((s) => [s.service, s.instances, s.healthy])).toEqual([
    ['a', 2, 2],
    ['b', 1, 1],
  ]);
});

it("gives each instance its lease age, whether it drains, and Kong's health once reported", () => {
  const samples = fleetSamples(
    [
      view('orders', undefined, [
        // Registered a minute before `now`, heartbeating since: the age counts from registeredAt.
        instance('orders', 'old', {
          lastHeartbeatAt: '2030-01-01T00:00:55.000Z',
          gatewayHealth: { status: 'HEALTHY', reportedAt: at },
        }),
        instance('orders', 'new', {
          registeredAt: '2030-01-01T00:00:50.000Z',
          gatewayHealth: { status: 'DNS_ERROR', reportedAt: at },
        }),
        instance('orders', 'off', {
          gatewayHealth: { status: 'HEALTHCHECKS_OFF', reportedAt: at },
        }),
        instance('orders', 'unknown', { gatewayHealth: { status: 'UNKNOWN', reportedAt: at } }),
        instance('orders', 'leaving', { draining: true, drainUntil: at }),
        // A clock behind the registry's never gives a negative age.
        instance('orders', 'future', { registeredAt: '2030-01-01T00:02:00.000Z' }),
      ]),
      view('worker', false, [instance('worker', 'w1')]),
    ],
    { now },
  );
  expect(
    samples.instances.map((i) => [i.instance, i.leaseAgeSeconds, i.draining, i.gatewayUp, i.up]),
  ).toEqual([
    ['old', 60, 0, 1, 1],
    ['new', 10, 0, 0, 0],
    ['off', 60, 0, 1, 1],
    ['unknown', 60, 0, undefined, 1],
    ['leaving', 60, 1, undefined, 0],
    ['future', 0, 0, undefined, 1],
    ['w1', 60, 0, undefined, 1],
  ]);
});
