import type { KongAdminClient } from '../admin-api/client';
import { silentLogger } from '../logger';
import type { KongNode } from '../reconcile-types';
import { NodeWatch, reconcileReason, remember, type NodeWatchMemory } from './node-watch';
import type { Applier, ConfigDrift } from './types';

const fresh: NodeWatchMemory = { unreachable: false, asked: undefined };
const EMPTY = '0'.repeat(32);

describe('reconcileReason and remember', () => {
  it('asks once for an empty node, and again only after it held a pushed configuration', () => {
    const empty: ConfigDrift = { state: 'empty', hash: EMPTY };
    expect(reconcileReason(fresh, empty)).toBe('empty');
    const asked = remember(fresh, empty, true);
    // Still empty at the next look (the reconcile has not pushed yet): not asked twice.
    expect(reconcileReason(asked, empty)).toBeUndefined();
    const pushed = remember(asked, { state: 'current', hash: 'a'.repeat(32) }, false);
    expect(pushed).toEqual(fresh);
    // Restarted again: asked again.
    expect(reconcileReason(pushed, empty)).toBe('empty');
  });

  it('asks for a configuration someone else pushed, once per hash seen', () => {
    const other: ConfigDrift = { state: 'replaced', hash: 'b'.repeat(32) };
    expect(reconcileReason(fresh, other)).toBe('replaced');
    const asked = remember(fresh, other, true);
    expect(reconcileReason(asked, other)).toBeUndefined();
    expect(reconcileReason(asked, { state: 'replaced', hash: 'c'.repeat(32) })).toBe('replaced');
  });

  it('asks when a node answers again after it could not be reached, even if it looks current', () => {
    const away = remember(fresh, 'unreachable', false);
    expect(reconcileReason(away, 'unreachable')).toBeUndefined();
    expect(reconcileReason(away, { state: 'current', hash: 'a'.repeat(32) })).toBe(
      'reachable-again',
    );
    expect(remember(away, { state: 'current', hash: 'a'.repeat(32) }, true)).toEqual(fresh);
  });

  it('never asks for a node that holds what was pushed', () => {
    expect(reconcileReason(fresh, { state: 'current', hash: 'a'.repeat(32) })).toBeUndefined();
  });
});

/** A node whose applier reports the drifts of `looks`, one per call. */
function node(url: string, looks: Array<ConfigDrift | Error>): KongNode {
  const applier: Applier = {
    target: url,
    apply: () => Promise.reject(new Error('not used')),
    configDrift: () => {
      const look = looks.shift() ?? { state: 'current', hash: 'a'.repeat(32) };
      return look instanceof Error ? Promise.reject(look) : Promise.resolve(look);
    },
  };
  return { url, mode: 'dbless', client: {} as KongAdminClient, applier };
}

describe('NodeWatch.lookOnce', () => {
  it('asks for one reconcile when any node drifted, and looks only while leading', async () => {
    const triggers: string[] = [];
    const counted: string[] = [];
    let leading = false;
    const watch = new NodeWatch({
      nodes: [
        node('http://a', []),
        node('http://b', [
          { state: 'empty', hash: EMPTY },
          { state: 'empty', hash: EMPTY },
        ]),
        // A DB-mode node has no configDrift and is never looked at.
        { url: 'http://db', mode: 'db', client: {} as KongAdminClient },
      ],
      intervalMs: 1000,
      isLeader: () => leading,
      trigger: (reason) => triggers.push(reason),
      counted: (reason) => counted.push(reason),
      logger: silentLogger(),
    });
    expect(await watch.lookOnce()).toEqual([]);
    leading = true;
    expect(await watch.lookOnce()).toEqual(['empty']);
    expect(triggers).toEqual(['Kong node has no configuration (restarted)']);
    expect(counted).toEqual(['empty']);
    // The same empty node at the next look: its reconcile was asked for already.
    expect(await watch.lookOnce()).toEqual([]);
    expect(triggers).toHaveLength(1);
  });

  it('a node that cannot be reached is remembered, and asked for once it answers', async () => {
    const triggers: string[] = [];
    const watch = new NodeWatch({
      nodes: [node('http://c', [new Error('ECONNREFUSED'), new Error('ECONNREFUSED')])],
      intervalMs: 1000,
      isLeader: () => true,
      trigger: (reason) => triggers.push(reason),
      logger: silentLogger(),
    });
    await watch.lookOnce();
    await watch.lookOnce();
    expect(triggers).toEqual([]);
    await watch.lookOnce();
    expect(triggers).toEqual(['Kong node reachable again']);
    await watch.lookOnce();
    expect(triggers).toHaveLength(1);
  });
});
