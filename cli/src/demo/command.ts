/**
 * `npm run demo` (scripts/demo.sh → cli/dist/demo/main.js): the whole system on one machine,
 * until Ctrl-C, or a scripted tour with `--tour`.
 */
import { spawnSync } from 'node:child_process';
import { removeDemoEnv, writeDemoEnv } from '@kong-registry/kong-plugin';
import { isConfigError, type RouteTable } from '@kong-registry/sdk';
import { renderBanner } from './banner';
import type { ManagedChild } from './child';
import { HELP_REQUESTED, loadDemoConfig, type DemoConfig } from './config';
import { signDemoJwt } from './consumer';
import { DEMO_HELP } from './help';
import { callJson } from './http';
import { EXAMPLES, type ServiceKind } from './services';
import { defaultServicePlan, startDemoStack, type DemoStack } from './stack';
import { terminalSink } from './terminal';
import { runTour, tourSteps } from './tour';

/** Signals closer together than this are one Ctrl-C (npm forwards the terminal's SIGINT again). */
const REPEATED_SIGNAL_MS = 3000;

/** How often the demo checks that the process that started it (npm, a shell) is still there. */
const PARENT_CHECK_MS = 1000;

function hasPython(): boolean {
  return spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The services `npm run demo` starts. */
export function demoServices(config: DemoConfig, python = hasPython()): ServiceKind[] {
  const kinds: ServiceKind[] = [EXAMPLES.orders, EXAMPLES.users, EXAMPLES.greeter];
  if (config.python && python) kinds.push(EXAMPLES.inventory);
  return kinds;
}

async function printBanner(
  stack: DemoStack,
  services: ServiceKind[],
  envFile: string,
): Promise<void> {
  const reply = await callJson(`${stack.registryUrl}/v1/routes`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const routes = reply.status === 200 ? (reply.body as RouteTable).routes : [];
  process.stdout.write(
    renderBanner({
      gateway: stack.realKong ? `Kong at ${stack.kongAdminUrl}` : 'kong-sim, a Kong double',
      proxyUrl: stack.proxyUrl,
      kongAdminUrl: stack.kongAdminUrl,
      registryUrl: stack.registryUrl,
      adminToken: stack.adminToken,
      routes,
      consumer: stack.consumer,
      jwt: signDemoJwt(stack.consumer, 3600),
      jwtLifetime: '1 h',
      services,
      envFile,
    }),
  );
}

/**
 * Resolves with the first signal; a second one (after the echo window) kills every child.
 * Losing the parent counts as SIGTERM: when the process that started the demo (npm, a shell, a CI
 * runner) dies without passing a signal on, SIGKILLed say, the whole stack would live on orphaned.
 */
function waitForSignal(children: () => ManagedChild[]): {
  signalled: Promise<NodeJS.Signals>;
  dispose(): void;
} {
  let first: number | undefined;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => (resolveSignal = resolve));
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === parent || first !== undefined) return;
    first = Date.now();
    process.stderr.write(
      `\n[demo] the process that started the demo (pid ${parent}) is gone: stopping everything in order\n`,
    );
    resolveSignal('SIGTERM');
  }, PARENT_CHECK_MS);
  parentWatch.unref();
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (first === undefined) {
      first = now;
      process.stderr.write(`\n[demo] ${signal}: stopping everything in order (again to force)\n`);
      resolveSignal(signal);
    } else if (now - first > REPEATED_SIGNAL_MS) {
      process.stderr.write(`[demo] ${signal} again: killing every process now\n`);
      for (const child of children()) child.signal('SIGKILL');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signalled,
    dispose: () => {
      clearInterval(parentWatch);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Runs the demo; resolves with the exit code. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  let config: DemoConfig | typeof HELP_REQUESTED;
  try {
    config = loadDemoConfig(argv);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    process.stderr.write(
      `demo: ${err.message}\n\nRun \`npm run demo -- --help\` for the options.\n`,
    );
    return 2;
  }
  if (config === HELP_REQUESTED) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const sink = terminalSink(process.stderr, { quiet: config.quiet });
  const services = demoServices(config);
  let stack: DemoStack | undefined;
  const signals = waitForSignal(() => stack?.processes() ?? []);
  // Whatever happens to this process, no child outlives it.
  const killLeftovers = (): void => {
    for (const child of stack?.processes() ?? []) child.signal('SIGKILL');
  };
  process.once('exit', killLeftovers);
  try {
    const starting = startDemoStack(config, sink, defaultServicePlan(config, services));
    const first = await Promise.race([starting, signals.signalled]);
    if (typeof first === 'string') {
      // Ctrl-C during start-up: let the start finish or fail, then stop what runs.
      stack = await starting.catch(() => undefined);
      await stack?.stop();
      return 130;
    }
    stack = first;
    // Other shells run `npx kong-registry routes` (diff, sync, explain) with no setup.
    const envFile = writeDemoEnv(
      {
        KONG_ADMIN_URL: stack.kongAdminUrl,
        REGISTRY_URL: stack.registryUrl,
        REGISTRY_TOKEN: stack.adminToken,
      },
      config.baseEnv,
    );
    const settings = config.baseEnv;
    process.once('exit', () => removeDemoEnv(settings));
    await printBanner(stack, services, envFile);
    if (config.tour) {
      const results = await runTour(tourSteps(stack), (line) => process.stdout.write(`${line}\n`));
      const clean = await stack.stop();
      const passed = results.filter((r) => r.passed).length + (clean ? 1 : 0);
      const total = results.length + 1;
      process.stdout.write(
        `${clean ? '  ✓' : '  ✗'} clean shutdown: ${clean ? 'every process stopped on its own' : 'something had to be killed'}\n` +
          `tour: ${passed}/${total} steps passed\n`,
      );
      return passed === total ? 0 : 1;
    }
    await signals.signalled;
    const clean = await stack.stop();
    sink(
      'demo',
      clean ? 'INFO' : 'WARN',
      clean ? 'stopped cleanly' : 'stopped; some processes had to be killed',
    );
    return clean ? 0 : 1;
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await stack?.stop();
    return 1;
  } finally {
    signals.dispose();
    removeDemoEnv(config.baseEnv);
  }
}
