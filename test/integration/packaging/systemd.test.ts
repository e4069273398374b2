// deploy/systemd/*: checked by `systemd-analyze verify` (Debian package `systemd`, installed by
// `npm test`) inside a throwaway root that holds stub executables and stand-ins for every unit ours
// reference, so the verdict needs neither /opt/kong-registry, docker, nor any unit of this host.
// The fallback checker in unit-file.ts is checked on its own.
// Then the promises docs/deploy.md makes about the units: hardening, restart policy, env files,
// and the service/agent pairing that drains a service out of Kong before docker stops it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envKeys, unknownTo } from './env-keys';
import { checkUnitFile, parseUnitFile, unitValues, type UnitEntry } from './unit-file';

const ROOT = join(__dirname, '..', '..', '..');
const UNIT_DIR = join(ROOT, 'deploy', 'systemd');
const ENV_DIR = join(UNIT_DIR, 'env');
const UNITS = [
  'kong-registry.service',
  'kong-registry-controller.service',
  'kr-service@.service',
  'kr-agent@.service',
];
/** What the units run; stubbed inside the throwaway root. */
const EXECUTABLES = ['/usr/bin/node', '/usr/bin/docker'];
/** Instances verified for the template units. */
const VERIFY_NAMES = [
  'kong-registry.service',
  'kong-registry-controller.service',
  'kr-service@orders.service',
  'kr-agent@orders.service',
];

const read = (name: string): string => readFileSync(join(UNIT_DIR, name), 'utf8');
const parsed = (name: string): UnitEntry[] => parseUnitFile(read(name));

/**
 * Units systemd adds as default dependencies of every service (systemd.special(7)); with
 * the units ours name, the only units the throwaway root holds besides ours.
 */
const DEFAULT_DEPENDENCIES = ['sysinit.target', 'basic.target', 'shutdown.target'];
const DEPENDENCY_KEYS = [
  'After',
  'Before',
  'Wants',
  'Requires',
  'Requisite',
  'BindsTo',
  'PartOf',
  'WantedBy',
  'RequiredBy',
];

/** Every unit our units name that is not one of ours (docker.service, network-online.target...). */
function referencedUnits(units: Record<string, string>): string[] {
  const ours = (name: string) => name in units || name.replace(/@[^.]+\./, '@.') in units;
  const named = new Set(DEFAULT_DEPENDENCIES);
  for (const text of Object.values(units)) {
    for (const entry of parseUnitFile(text)) {
      if (!DEPENDENCY_KEYS.includes(entry.key)) continue;
      for (const name of entry.value.split(/\s+/)) if (name && !ours(name)) named.add(name);
    }
  }
  return [...named].sort();
}

/**
 * A private root: stub executables, a stand-in for each unit ours reference, and our units. Nothing
 * is copied from the host, so the verdict does not depend on which units this machine happens to
 * have (a fresh machine has no docker.service).
 */
function makeRoot(units: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kr-systemd-'));
  for (const exe of EXECUTABLES) {
    mkdirSync(join(root, exe, '..'), { recursive: true });
    writeFileSync(join(root, exe), '#!/bin/sh\n');
    chmodSync(join(root, exe), 0o755);
  }
  const standIns = join(root, 'usr/lib/systemd/system');
  mkdirSync(standIns, { recursive: true });
  for (const name of referencedUnits(units)) {
    const service = name.endsWith('.service') ? `[Service]\nExecStart=${EXECUTABLES[0]}\n` : '';
    writeFileSync(join(standIns, name), `[Unit]\nDescription=stand-in for ${name}\n${service}`);
  }
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  for (const [name, text] of Object.entries(units))
    writeFileSync(join(root, 'etc/systemd/system', name), text);
  return root;
}

function verify(
  units: Record<string, string>,
  names: string[],
  { withoutStandIn }: { withoutStandIn?: string } = {},
): { status: number | null; stderr: string } {
  const root = makeRoot(units);
  try {
    if (withoutStandIn) rmSync(join(root, 'usr/lib/systemd/system', withoutStandIn));
    const result = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', `--root=${root}`, ...names],
      { encoding: 'utf8' },
    );
    if (result.error) throw result.error; // not installed: `npm test` installs Debian's systemd
    return { status: result.status, stderr: result.stderr.trim() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const ourUnits = (): Record<string, string> =>
  Object.fromEntries(UNITS.map((name) => [name, read(name)]));

describe('unit files are valid', () => {
  // `npm test` installs systemd-analyze (Debian package systemd); without it this fails loudly
  // rather than passing on the fallback checker alone.
  it('pass systemd-analyze verify in a root that holds only stand-ins for what they reference', () => {
    expect(verify(ourUnits(), VERIFY_NAMES)).toEqual({ status: 0, stderr: '' });
  });

  // The harness itself: a broken unit must be reported, or the check above proves nothing.
  it('reports a misspelt key', () => {
    const broken = {
      ...ourUnits(),
      'kr-agent@.service': read('kr-agent@.service').replace('PrivateTmp=', 'PrivateTpm='),
    };
    expect(verify(broken, ['kr-agent@orders.service']).stderr).toContain(
      "Unknown key 'PrivateTpm'",
    );
  });

  it('reports an ExecStart that is not executable', () => {
    const broken = {
      ...ourUnits(),
      'kong-registry.service': read('kong-registry.service').replace(
        'ExecStart=/usr/bin/node ',
        'ExecStart=/usr/bin/nodejs-missing ',
      ),
    };
    const result = verify(broken, ['kong-registry.service']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('/usr/bin/nodejs-missing is not executable');
  });

  it('reports a unit it depends on that the machine lacks (as docker.service on a fresh one)', () => {
    const result = verify(ourUnits(), ['kr-service@orders.service'], {
      withoutStandIn: 'docker.service',
    });
    expect(result.stderr).toContain('Unit docker.service not found');
  });

  it('pass the fallback checker too', () => {
    for (const name of UNITS)
      expect(checkUnitFile(name, read(name), (p) => EXECUTABLES.includes(p))).toEqual([]);
  });

  it('the fallback checker reports misspelt keys, wrong sections and bad commands', () => {
    const text =
      '[Unit]\nDescription=x\nExecStart=/bin/true\n[Service]\nProtectSytem=strict\nExecStart=node x.js\nExecStop=-/usr/bin/nope\n[Bogus]\nA=b\n';
    expect(checkUnitFile('bad.service', text, () => false)).toEqual([
      "bad.service:3: unknown key 'ExecStart' in section [Unit]",
      'bad.service:3: command /bin/true is not executable',
      "bad.service:5: unknown key 'ProtectSytem' in section [Service]",
      'bad.service:6: ExecStart is not an absolute path: node',
      'bad.service:7: command /usr/bin/nope is not executable',
      'bad.service:9: unknown section [Bogus]',
    ]);
  });
});

describe.each(['kong-registry.service', 'kong-registry-controller.service', 'kr-agent@.service'])(
  '%s',
  (name) => {
    const service = (key: string): string[] => unitValues(parsed(name), 'Service', key);

    it('runs as the unprivileged kong-registry user with the hardening options', () => {
      expect(service('User')).toEqual(['kong-registry']);
      for (const [key, value] of [
        ['NoNewPrivileges', 'yes'],
        ['ProtectSystem', 'strict'],
        ['ProtectHome', 'yes'],
        ['PrivateTmp', 'yes'],
        ['PrivateDevices', 'yes'],
        ['RestrictSUIDSGID', 'yes'],
        ['CapabilityBoundingSet', ''],
      ]) {
        expect({ key, values: service(key!) }).toEqual({ key, values: [value] });
      }
    });

    it('restarts on failure, reads /etc/kong-registry/*.env and stops with SIGTERM', () => {
      expect(service('Restart')).toEqual(['on-failure']);
      expect(service('KillSignal')).toEqual(['SIGTERM']);
      expect(service('EnvironmentFile').length).toBeGreaterThan(0);
      for (const file of service('EnvironmentFile'))
        expect(file).toMatch(/^\/etc\/kong-registry\/.+\.env$/);
    });

    it('gets its secret as a systemd credential, never from a world-readable env file', () => {
      expect(service('LoadCredential')).toEqual([
        expect.stringMatching(/^[a-z-]+:\/etc\/kong-registry\//),
      ]);
    });
  },
);

describe('kr-service@ and kr-agent@', () => {
  it('runs the container on the loopback port by default, named after the instance', () => {
    const service = parsed('kr-service@.service');
    expect(unitValues(service, 'Service', 'ExecStart')).toEqual([
      '/usr/bin/docker run --rm --init --name %i -p ${PUBLISH_ADDRESS}:${PORT}:${PORT} --env-file /etc/kong-registry/services/%i.env ${IMAGE}',
    ]);
    expect(unitValues(service, 'Service', 'Environment')).toContain('PUBLISH_ADDRESS=127.0.0.1');
    expect(unitValues(service, 'Service', 'EnvironmentFile')).toEqual([
      '/etc/kong-registry/services/%i.env',
    ]);
    expect(unitValues(service, 'Service', 'ExecStop')).toEqual([
      '/usr/bin/docker stop --time ${STOP_TIMEOUT} %i',
    ]);
    expect(unitValues(service, 'Unit', 'Wants').join(' ')).toContain('kr-agent@%i.service');
    expect(unitValues(service, 'Unit', 'Requires')).toEqual(['docker.service']);
  });

  it('binds the agent to its service and orders it after, so it stops (drains) first', () => {
    const agent = parsed('kr-agent@.service');
    expect(unitValues(agent, 'Unit', 'BindsTo')).toEqual(['kr-service@%i.service']);
    expect(unitValues(agent, 'Unit', 'PartOf')).toEqual(['kr-service@%i.service']);
    expect(unitValues(agent, 'Unit', 'After').join(' ')).toContain('kr-service@%i.service');
    expect(unitValues(agent, 'Install', 'WantedBy')).toEqual(['kr-service@%i.service']);
    const [execStart] = unitValues(agent, 'Service', 'ExecStart');
    expect(execStart).toContain('kong-registry.js agent --service %i --port ${PORT}');
    expect(execStart).toContain('--token-file %d/token');
    // Longer than the container's own stop timeout: the drain must finish before docker stop.
    const seconds = (v: string | undefined) => Number((v ?? '').replace(/s$/, ''));
    expect(seconds(unitValues(agent, 'Service', 'TimeoutStopSec')[0])).toBeGreaterThanOrEqual(60);
  });

  it('finds every ${VAR} the template units use in their defaults or the example env files', () => {
    const defined = new Set<string>();
    for (const name of ['kr-service@.service', 'kr-agent@.service']) {
      for (const assignment of unitValues(parsed(name), 'Service', 'Environment'))
        defined.add(assignment.split('=')[0]!);
    }
    for (const file of ['agent.env', 'services/orders.env']) {
      for (const line of readFileSync(join(ENV_DIR, file), 'utf8').split('\n')) {
        const match = line.match(/^([A-Z_][A-Z0-9_]*)=/);
        if (match) defined.add(match[1]!);
      }
    }
    const used = new Set<string>();
    for (const name of ['kr-service@.service', 'kr-agent@.service']) {
      for (const match of read(name).matchAll(/^Exec\w+=.*$/gm)) {
        for (const v of match[0].matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)) used.add(v[1]!);
      }
    }
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThan(4);
  });
});

describe('example env files', () => {
  it.each([
    ['registry.env', 'registry/src/config.ts'],
    ['controller.env', 'kong-plugin/src/config.ts'],
  ])('%s sets only variables %s reads', (file, configModule) => {
    const keys = envKeys(readFileSync(join(ENV_DIR, file), 'utf8'));
    expect(keys.length).toBeGreaterThan(0);
    expect(unknownTo(configModule, keys)).toEqual([]);
  });

  it('keep secrets out of env files (they are credentials)', () => {
    for (const file of ['registry.env', 'controller.env', 'agent.env', 'services/orders.env']) {
      const text = readFileSync(join(ENV_DIR, file), 'utf8');
      expect({
        file,
        secrets: text.match(/^(REGISTRY_JWT_SECRET|REGISTRY_TOKEN|KONG_ADMIN_TOKEN)=.*$/gm),
      }).toEqual({ file, secrets: null });
    }
  });
});
