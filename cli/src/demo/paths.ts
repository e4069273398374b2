import { join } from 'node:path';

/**
 * Files the demo starts. This module sits three levels below the repository root both as
 * cli/src/demo (tests) and cli/dist/demo (built), so one relative path serves both.
 */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Entry points of the processes the demo spawns (built by `npm run build`). */
export const ENTRY_POINTS = {
  cli: join(REPO_ROOT, 'cli', 'bin', 'kong-registry.js'),
  kongSim: join(REPO_ROOT, 'kong-sim', 'bin', 'kong-sim.js'),
  orders: join(REPO_ROOT, 'examples', 'orders', 'dist', 'main.js'),
  users: join(REPO_ROOT, 'examples', 'users', 'dist', 'main.js'),
  greeter: join(REPO_ROOT, 'examples', 'greeter', 'dist', 'main.js'),
  greeterClient: join(REPO_ROOT, 'examples', 'greeter', 'dist', 'client.js'),
  inventory: join(REPO_ROOT, 'examples', 'python-inventory', 'inventory.py'),
  echo: join(REPO_ROOT, 'cli', 'dist', 'demo', 'echo', 'main.js'),
} as const;
