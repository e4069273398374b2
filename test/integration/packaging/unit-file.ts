/**
 * A small reader for systemd unit files, and the fallback check used where `systemd-analyze`
 * is not installed (a container without the Debian package `systemd`). It is not systemd: it
 * catches what goes wrong most in hand-written units (a misspelt key, a key in the wrong
 * section, a relative or missing ExecStart) and leaves the rest to `systemd-analyze verify`,
 * which the tests prefer whenever it exists.
 */

/** One `Key=value` line, with its 1-based line number for messages. */
export interface UnitEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/** Parses unit-file text: sections, keys, `\` continuations and comments (`#`, `;`). */
export function parseUnitFile(text: string): UnitEntry[] {
  const entries: UnitEntry[] = [];
  const lines = text.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = (lines[i] ?? '').trim();
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      line = `${line.slice(0, -1)} ${(lines[i] ?? '').trim()}`;
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = line.match(/^\[([^\]]+)\]$/);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${start + 1}: neither a [Section] nor Key=value: "${line}"`);
    entries.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      line: start + 1,
    });
  }
  return entries;
}

/** Every value of `key` in `section`, in file order. */
export function unitValues(entries: UnitEntry[], section: string, key: string): string[] {
  return entries.filter((e) => e.section === section && e.key === key).map((e) => e.value);
}

/** The keys our units may use, per section (a subset of systemd.unit/service/exec/resource-control). */
const KNOWN_KEYS: Record<string, ReadonlySet<string>> = {
  Unit: new Set([
    'Description',
    'Documentation',
    'Wants',
    'Requires',
    'Requisite',
    'BindsTo',
    'PartOf',
    'Upholds',
    'Conflicts',
    'Before',
    'After',
    'OnFailure',
    'OnSuccess',
    'PropagatesReloadTo',
    'ReloadPropagatedFrom',
    'StopWhenUnneeded',
    'DefaultDependencies',
    'StartLimitIntervalSec',
    'StartLimitBurst',
    'ConditionPathExists',
    'AssertPathExists',
  ]),
  Service: new Set([
    'Type',
    'ExecStart',
    'ExecStartPre',
    'ExecStartPost',
    'ExecStop',
    'ExecStopPost',
    'ExecReload',
    'Restart',
    'RestartSec',
    'TimeoutStartSec',
    'TimeoutStopSec',
    'TimeoutSec',
    'KillSignal',
    'KillMode',
    'SendSIGKILL',
    'SuccessExitStatus',
    'RemainAfterExit',
    'User',
    'Group',
    'DynamicUser',
    'SupplementaryGroups',
    'WorkingDirectory',
    'Environment',
    'EnvironmentFile',
    'PassEnvironment',
    'LoadCredential',
    'SetCredential',
    'UMask',
    'LimitNOFILE',
    'NoNewPrivileges',
    'ProtectSystem',
    'ProtectHome',
    'PrivateTmp',
    'PrivateDevices',
    'PrivateUsers',
    'ProtectKernelTunables',
    'ProtectKernelModules',
    'ProtectKernelLogs',
    'ProtectControlGroups',
    'ProtectClock',
    'ProtectHostname',
    'ProtectProc',
    'ProcSubset',
    'RestrictAddressFamilies',
    'RestrictNamespaces',
    'RestrictRealtime',
    'RestrictSUIDSGID',
    'LockPersonality',
    'MemoryDenyWriteExecute',
    'SystemCallArchitectures',
    'SystemCallFilter',
    'SystemCallErrorNumber',
    'CapabilityBoundingSet',
    'AmbientCapabilities',
    'ReadWritePaths',
    'ReadOnlyPaths',
    'StateDirectory',
    'RuntimeDirectory',
    'LogsDirectory',
    'StandardOutput',
    'StandardError',
    'SyslogIdentifier',
    'MemoryMax',
    'CPUQuota',
    'TasksMax',
  ]),
  Install: new Set(['WantedBy', 'RequiredBy', 'Alias', 'Also', 'DefaultInstance']),
};

const EXEC_KEYS = new Set([
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'ExecReload',
]);

/**
 * Problems `systemd-analyze verify` would also report for these units, found without systemd:
 * unknown sections or keys, no ExecStart, Exec* commands that are not absolute paths (after the
 * `-@:+!` prefixes) or that `isExecutable` says do not exist.
 */
export function checkUnitFile(
  name: string,
  text: string,
  isExecutable: (path: string) => boolean,
): string[] {
  const problems: string[] = [];
  const entries = parseUnitFile(text);
  for (const { section, key, value, line } of entries) {
    const known = KNOWN_KEYS[section];
    if (!known) {
      problems.push(`${name}:${line}: unknown section [${section}]`);
      continue;
    }
    if (!known.has(key))
      problems.push(`${name}:${line}: unknown key '${key}' in section [${section}]`);
    if (EXEC_KEYS.has(key)) {
      const command = value.replace(/^[-@:+!]+/, '').split(/\s+/)[0] ?? '';
      if (!command.startsWith('/'))
        problems.push(`${name}:${line}: ${key} is not an absolute path: ${command}`);
      else if (!isExecutable(command))
        problems.push(`${name}:${line}: command ${command} is not executable`);
    }
  }
  if (unitValues(entries, 'Service', 'ExecStart').length === 0)
    problems.push(`${name}: no ExecStart`);
  return problems;
}
