/**
 * A reconcile whose registry snapshot is ahead of the event stream: instances are gone from the
 * snapshot, the events saying why have not arrived. Those removals must not slip past the
 * mass-expiry guard; once the events arrive, their real reasons decide.
 */
import pino from 'pino';
import { createAdminClient, Reconciler, RegistryClient } from '@kong-registry/kong-plugin';
import type { RegistryEvent } from '@kong-registry/sdk';
import { RemovalReasons } from '../../../kong-plugin/src/registry/removal-reasons';
import { kongInventory } from '../../reliability/support/kong-inventory';
import { startStack, type Stack } from './harness';

let stack: Stack;
let reasons: RemovalReasons;
let reconciler: Reconciler;

const INSTANCES = ['i-0', 'i-1', 'i-2', 'i-3'];

/** The registry's current revision, as a follower that has seen every event would know it. */
async function registryRevision(): Promise<number> {
  return ((await stack.api('GET', '/v1/state')).body as { revision: number }).revision;
}

/** A reconciler on the stack's registry and kong-sim, learning removal reasons from `known`. */
function reconcilerWith(known: RemovalReasons): Reconciler {
  const { config } = stack;
  return new Reconciler({
    registry: new RegistryClient({ url: config.registryUrl, token: config.registryToken }),
    nodes: [
      {
        url: stack.kong.admin,
        client: createAdminClient(config.kong, stack.kong.admin),
        mode: 'db',
      },
    ],
    ownershipTag: config.ownershipTag,
    applyConcurrency: 4,
    guard: { threshold: 0.5, holdMs: 60_000, minTargets: 2 },
    reasons: known,
    logger: pino({ level: 'silent' }),
  });
}

function event(revision: number, extra: Partial<RegistryEvent> = {}): RegistryEvent {
  return { id: `${revision}-0`, type: 'instance.registered', revision, at: '', ...extra };
}

beforeAll(async () => {
  stack = await startStack();
  reasons = new RemovalReasons();
  reconciler = reconcilerWith(reasons);
});

afterAll(async () => {
  await stack.close();
});

it('holds removals the event stream has not explained yet, then applies deregistrations once their events arrive', async () => {
  for (const [i, id] of INSTANCES.entries()) {
    await stack.register('lagging', id, { host: `10.9.0.${i + 1}`, port: 8080, ttlSeconds: 300 });
  }
  // The follower is up to date: it has seen the last registration's event.
  reasons.record(event(await registryRevision()));
  await reconciler.reconcile({ apply: true });
  expect((await kongInventory(stack.kong.admin)).counts.targets).toBe(4);

  // Every instance leaves; the snapshot shows it before any event does.
  for (const id of INSTANCES) await stack.deregister('lagging', id);
  const ahead = await reconciler.reconcile({ apply: true });
  expect(ahead.nodes[0]?.held).toEqual([
    expect.objectContaining({ service: 'lagging', targets: expect.any(Array) }),
  ]);
  expect((await kongInventory(stack.kong.admin)).counts.targets).toBe(4);

  // The events arrive: these were deregistrations, which are never held.
  const revision = await registryRevision();
  for (const id of INSTANCES) {
    reasons.record(
      event(revision, { type: 'instance.deregistered', service: 'lagging', instanceId: id }),
    );
  }
  const caughtUp = await reconciler.reconcile({ apply: true });
  expect(caughtUp.nodes[0]?.held).toEqual([]);
  expect((await kongInventory(stack.kong.admin)).counts.targets ?? 0).toBe(0);
});

it('changes nothing for a reconciler whose events never flow (one-shot sync)', async () => {
  const oneShot = reconcilerWith(new RemovalReasons());
  for (const [i, id] of INSTANCES.entries()) {
    await stack.register('oneshot', id, { host: `10.9.1.${i + 1}`, port: 8080, ttlSeconds: 300 });
  }
  await oneShot.reconcile({ apply: true });
  expect((await kongInventory(stack.kong.admin)).counts.targets).toBe(4);
  for (const id of INSTANCES) await stack.deregister('oneshot', id);
  const report = await oneShot.reconcile({ apply: true });
  expect(report.nodes[0]?.held).toEqual([]);
  expect((await kongInventory(stack.kong.admin)).counts.targets ?? 0).toBe(0);
});
