#!/usr/bin/env node
import { COMMANDS } from './commands';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`,
  );
  return [
    'Usage: kong-registry <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `kong-registry <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const spec = COMMANDS[name];
  if (!spec) {
    console.error(`kong-registry: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  const run = await spec.load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`kong-registry: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
