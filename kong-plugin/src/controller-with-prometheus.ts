/**
 * `createController(config)`: the control plane with Prometheus metrics. Apart from the wiring
 * (controller-wiring.ts) so that one-shot commands (`sync`, `diff`) never load prom-client. This is
 * what `kong-registry controller`, the demo and the e2e tests use in-process.
 */
import type { ControllerConfig } from './config';
import { assembleController, type Controller, type ControllerOptions } from './controller-wiring';
import { ControllerMetrics } from './metrics';

export type { Controller, ControllerOptions } from './controller-wiring';

/** Builds a controller from a validated config. Nothing runs until start() or reconcileOnce(). */
export function createController(
  config: ControllerConfig,
  options: ControllerOptions = {},
): Controller {
  return assembleController(config, new ControllerMetrics(), options);
}
