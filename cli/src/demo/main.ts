#!/usr/bin/env node
/** Entry point of `npm run demo` (scripts/demo.sh runs it with node). */
import { runDemoCommand } from './command';

runDemoCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
