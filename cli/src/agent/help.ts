import { AGENT_OPTIONS } from './options';

/** `kong-registry agent --help`: generated from the options table, so every flag is in it. */
export function agentHelp(): string {
  const rows = AGENT_OPTIONS.map((o) => {
    const flag = `--${o.flag} ${o.arg}`;
    const shown = o.shown === undefined ? '' : ` [default: ${o.shown}]`;
    return `  ${flag.padEnd(30)} ${o.help}${shown}\n  ${''.padEnd(30)} env: ${o.env.join(', ')}${o.key === 'config' ? '' : `; file: ${o.key}`}`;
  });
  return `Usage: kong-registry agent --service NAME --port PORT [--host H] [--prefix P] [--health URL]
                          [--auth key-auth|jwt|none] [--token-file F] [options]

Registers one instance of ANY process (Java, Python, a docker container) with the registry, so
the controller puts it behind Kong; a sidecar for services that cannot embed the SDK.

  - Waits until --health answers 2xx (--healthy-threshold times), then registers and heartbeats.
  - After --unhealthy-threshold consecutive failed probes: heartbeats stop and the instance is
    marked draining, still registered (weight 0 in Kong; the registry removes it after its
    drain period unless health returns first).
  - When health returns: registers again (which also clears the draining mark).
  - SIGTERM/SIGINT: marks the instance draining, waits --drain-seconds, deregisters, exits 0.
    A second signal skips the rest of the wait (the instance is still deregistered); an
    instance already draining for bad health is deregistered at once.
  - With --no-route (a queue consumer, worker or GPU job): registers at once with no route in
    Kong; before each heartbeat it runs --health-cmd (or probes --health) and sends the result
    as the instance's own health (healthy, or unhealthy with a detail). Nothing is paused.
  - Exits 1 on bad settings, or when the registry refuses the token or the definition (401,
    403, 4xx): retrying would not help.

Every setting comes from a flag, else an environment variable, else the --config file (YAML or
JSON: the "file:" keys below, e.g. "healthInterval: 2"). Durations are in seconds.

Options:
${rows.join('\n')}
  --no-route                     same as --route false
  -h, --help                     this help

Example (what deploy/systemd/kr-agent@.service runs):
  kong-registry agent --service orders --port 3000 --host 10.0.0.11 \\
    --health http://10.0.0.11:3000/health --token-file /etc/kong-registry/tokens/orders.token \\
    --prefix /orders --auth key-auth
`;
}
