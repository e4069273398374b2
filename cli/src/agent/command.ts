import { parseArgs } from 'node:util';
import { describeError } from '@kong-registry/sdk';
import { RegistrationAgent } from './agent';
import { describeConfig, loadAgentConfig, type AgentConfig } from './config';
import { agentHelp } from './help';
import { createAgentLogger } from './logger';
import { AGENT_OPTIONS } from './options';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Parses the flags into raw values keyed like the config; throws on unknown flags. */
export function parseAgentFlags(argv: string[]): {
  help: boolean;
  values: Record<string, string | undefined>;
} {
  const options = Object.fromEntries(
    AGENT_OPTIONS.map((o) => [o.flag, { type: 'string' as const }]),
  );
  const { values } = parseArgs({
    args: argv,
    options: {
      ...options,
      help: { type: 'boolean', short: 'h' },
      'no-route': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const given = values as Record<string, string | boolean | undefined>;
  const raw: Record<string, string | undefined> = {};
  for (const option of AGENT_OPTIONS) {
    const value = given[option.flag];
    if (typeof value === 'string') raw[option.key] = value;
  }
  // --no-route is --route false.
  if (given['no-route'] === true) raw.route = 'false';
  return { help: given.help === true, values: raw };
}

/**
 * `kong-registry agent`: runs the registration agent until SIGTERM/SIGINT. Resolves to the exit
 * code: 0 after a graceful stop, 1 on bad settings or when the registry refuses the instance.
 */
export async function runAgentCommand(argv: string[]): Promise<number> {
  let config: AgentConfig;
  try {
    const flags = parseAgentFlags(argv);
    if (flags.help) {
      console.log(agentHelp());
      return 0;
    }
    config = loadAgentConfig(flags.values);
  } catch (err) {
    const message = describeError(err);
    console.error(
      `kong-registry agent: ${message}\n\nRun \`kong-registry agent --help\` for every option.`,
    );
    return 1;
  }
  const logger = createAgentLogger(config.logLevel, { service: config.service });
  logger.info({ config: describeConfig(config) }, 'settings');
  const agent = new RegistrationAgent(config, { logger });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      agent.hurry();
      return;
    }
    signalled = true;
    logger.info({ signal }, 'signal received: draining and deregistering');
    void agent.stop();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    agent.start();
    return await agent.finished;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
