/**
 * The `kong-registry` subcommands. Each one lives in the package that owns the behaviour and is
 * loaded lazily, so `kong-registry token` does not pay for Express or the reconciler. `sync` and
 * `diff` run from one esbuild bundle with a V8 code cache (one-shot.ts): start-up is most of a
 * one-shot sync's time.
 *
 * A command receives the arguments after its name and resolves to the process exit code.
 */
import { loadOneShot } from './one-shot';

export type CommandRunner = (argv: string[]) => Promise<number>;

export interface CommandSpec {
  summary: string;
  load: () => Promise<CommandRunner>;
}

export const COMMANDS: Record<string, CommandSpec> = {
  registry: {
    summary: 'run the registry HTTP service (leases in Redis)',
    load: async () => (await import('@kong-registry/registry')).runRegistryCommand,
  },
  token: {
    summary: 'mint a registry token: --service NAME or --admin',
    load: async () => (await import('@kong-registry/registry')).runTokenCommand,
  },
  controller: {
    summary: 'run the control plane that keeps Kong converged with the registry',
    load: async () => (await import('@kong-registry/kong-plugin')).runControllerCommand,
  },
  diff: {
    summary: 'show what a sync would change in Kong (exit 2 when not converged)',
    load: async () => (await loadOneShot()).runDiffCommand,
  },
  sync: {
    summary: 'reconcile Kong once and exit',
    load: async () => (await loadOneShot()).runSyncCommand,
  },
  routes: {
    summary: 'list routes: prefix, service, auth, instances and their Kong health',
    load: async () => (await import('@kong-registry/kong-plugin')).runRoutesCommand,
  },
  explain: {
    summary: 'explain which route, service, instances and auth answer METHOD URL',
    load: async () => (await import('@kong-registry/kong-plugin')).runExplainCommand,
  },
  agent: {
    summary: 'register any process (Java, Python, a container) while its health URL answers',
    load: async () => (await import('./agent/index.js')).runAgentCommand,
  },
  demo: {
    summary: 'run the whole system locally: Redis, kong-sim, registry, controller, examples',
    load: async () => (await import('./demo/index.js')).runDemoCommand,
  },
};
