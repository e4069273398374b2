/** `kong-registry controller`: runs the control plane until SIGTERM/SIGINT. */
import { createController } from '../controller-with-prometheus';
import { redactConfig } from '../config';
import { createLogger } from '../logger';
import { COMMAND_VARIABLES, configFromFlags, helpText, parseFlags } from './options';

const HELP = helpText(
  'kong-registry controller [options]',
  'Runs the control plane: follows registry events, reconciles Kong (debounced, plus a full\n' +
    'resync on an interval), reports Kong health back to the registry, and with REDIS_URL set\n' +
    'takes part in leader election so only one replica writes. Stops cleanly on SIGTERM/SIGINT.',
  COMMAND_VARIABLES.controller,
  { withJson: false },
);

/** Runs the controller in the foreground; resolves with the exit code after a signal. */
export async function runControllerCommand(argv: string[]): Promise<number> {
  const parsed = parseFlags(argv);
  if (!parsed) return 1;
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const config = configFromFlags(parsed.flags);
  if (!config) return 1;
  const logger = createLogger(config.logLevel);
  logger.info({ config: redactConfig(config) }, 'effective configuration');
  const controller = createController(config, { logger });
  await controller.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down');
  await controller.stop();
  return 0;
}
