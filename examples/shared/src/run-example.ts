import {
  ConfigError,
  exampleUsage,
  loadExampleConfig,
  type ExampleConfig,
  type ExampleIdentity,
} from './config';
import { stderrLog, type Log } from './log';

/**
 * Runs an example service from the process's flags and environment: exit 2 on bad options (every
 * problem listed), 1 when `start` fails, and whatever the SDK's signal handling does after.
 */
export function runExample(
  identity: ExampleIdentity,
  start: (config: ExampleConfig, log: Log) => Promise<void>,
): void {
  const log = stderrLog(identity.service);
  const usage = exampleUsage(identity);
  let config: ExampleConfig | 'help';
  try {
    config = loadExampleConfig(identity);
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
    if (
      err instanceof ConfigError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${(err as Error).message}\n\n${usage}`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(usage);
    return;
  }
  start(config, log).catch((err: unknown) => {
    log('error', 'could not start', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
}
