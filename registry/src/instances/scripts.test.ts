/**
 * The Lua scripts write event types as plain strings, out of reach of the type checker: each one
 * must be a type of the contract (REGISTRY_EVENT_TYPES), or readers would meet an event they
 * cannot name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_EVENT_TYPES } from '@kong-registry/sdk';

const LUA_DIR = join(__dirname, '..', '..', 'lua');
const EVENT_LITERAL = /'((?:instance|service|consumer|credential)\.[a-z-]+)'/g;

function luaSources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? luaSources(join(dir, entry.name))
      : entry.name.endsWith('.lua')
        ? [{ file: entry.name, text: readFileSync(join(dir, entry.name), 'utf8') }]
        : [],
  );
}

describe('event types written by the Lua scripts', () => {
  const written = luaSources(LUA_DIR).flatMap(({ file, text }) =>
    [...text.matchAll(EVENT_LITERAL)].map((m) => `${file}: ${m[1]}`),
  );

  it('finds the scripts that append events', () => {
    // register, deregister, drain, heartbeat, reap and gateway-health name their events.
    expect(new Set(written.map((w) => w.split(':')[0])).size).toBeGreaterThanOrEqual(6);
  });

  it('are all in the contract', () => {
    const known = new Set<string>(REGISTRY_EVENT_TYPES);
    expect(written.filter((w) => !known.has(w.split(': ')[1]!))).toEqual([]);
  });
});
