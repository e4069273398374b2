/**
 * Golden plans: test/fixtures/plans/<case>/{desired,current}.json -> plan.golden.json.
 * desired.json is a registry StateSnapshot, current.json what the Admin API lists, and the
 * optional settings.json the controller's settings the case needs (`telemetry`).
 * Refresh with `UPDATE_GOLDEN=1 npx jest kong-plugin/src/plan/golden` after checking the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { StateSnapshot } from '@kong-registry/sdk';
import { currentFromLists } from '../current/split';
import { buildDesiredState } from '../desired/build';
import type { TelemetrySettings } from '../desired/telemetry';
import type { KongLists } from '../kong/lists';
import { DEFAULT_OWNERSHIP_TAG } from '../naming';
import { TEST_NOW } from '../__tests__/snapshot-factory';
import { planChanges } from './plan';

const ROOT = join(__dirname, '../../../test/fixtures/plans');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const cases = readdirSync(ROOT).filter((name) => existsSync(join(ROOT, name, 'desired.json')));

describe('golden plans', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('%s', (name) => {
    const dir = join(ROOT, name);
    const settingsFile = join(dir, 'settings.json');
    const settings = existsSync(settingsFile)
      ? readJson<{ telemetry?: TelemetrySettings }>(settingsFile)
      : {};
    const desired = buildDesiredState(readJson<StateSnapshot>(join(dir, 'desired.json')), {
      ownershipTag: DEFAULT_OWNERSHIP_TAG,
      now: TEST_NOW,
      ...(settings.telemetry ? { telemetry: settings.telemetry } : {}),
    });
    const current = currentFromLists(
      readJson<KongLists>(join(dir, 'current.json')),
      DEFAULT_OWNERSHIP_TAG,
    );
    const plan = planChanges(desired, current);
    const actual = {
      failures: desired.failures,
      quarantined: plan.quarantined,
      conflicts: plan.conflicts,
      ...(plan.yielded.length > 0 ? { yielded: plan.yielded } : {}),
      ops: plan.ops.map((op) => ({
        op: op.op,
        kind: op.kind,
        name: op.name,
        id: op.id,
        ...(op.op === 'update' ? { changes: op.changes } : {}),
        ...(op.op === 'create' ? { body: op.body } : {}),
      })),
    };
    const goldenFile = join(dir, 'plan.golden.json');
    // Written only when asked: a missing golden file fails, so a new case is checked by a person.
    if (process.env.UPDATE_GOLDEN === '1') {
      // Formatted like the rest of the repo, so `npm run lint` stays green after a refresh.
      writeFileSync(goldenFile, JSON.stringify(actual, null, 2));
      execFileSync(process.execPath, [
        require.resolve('prettier/bin/prettier.cjs'),
        '--write',
        goldenFile,
      ]);
    }
    if (!existsSync(goldenFile)) {
      throw new Error(`${goldenFile} is missing: create it with UPDATE_GOLDEN=1 and check it`);
    }
    expect(actual).toEqual(readJson(goldenFile));
  });
});
