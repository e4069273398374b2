/** Output types of the translator (registry snapshot -> Kong entities). */
import type { KongState } from '../kong/entities';
import type { UnsafeTarget } from '../safety/protected-endpoints';
import type { TelemetrySettings } from './telemetry';

/**
 * A registry object that could not be translated (KIC `ResourceFailure`). The service (or
 * consumer) it names is quarantined: the planner leaves whatever Kong has for it untouched.
 */
export interface TranslationFailure {
  /** Registry service name, when the failure concerns a service. */
  service?: string;
  /** Registry consumer username, when the failure concerns a consumer. */
  consumer?: string;
  reason: string;
}

/** Registry instance behind a Kong target, kept for health feedback and the mass-expiry guard. */
export interface TargetSource {
  service: string;
  instanceId: string;
  target: string;
  upstream: string;
}

/** Everything the translator produces. */
export interface DesiredState {
  state: KongState;
  failures: TranslationFailure[];
  /** Registry revision the state was built from. */
  revision: number;
  /** Registry service names that translated cleanly (route-less ones are not among them). */
  services: string[];
  /** Every target of the desired state, by target entity id. */
  targets: Map<string, TargetSource>;
  /** Instances left out because their target is a Kong node's Admin or status API. */
  unsafeTargets: UnsafeTarget[];
}

/** Options of buildDesiredState. */
export interface BuildOptions {
  ownershipTag: string;
  /** Instances whose lease ended before this moment are left out. */
  now: Date;
  /**
   * Instances never to program (their target would publish a Kong Admin or status API): left
   * out, so Kong deletes such a target if it has one; the service keeps its other instances.
   */
  unsafeTargets?: readonly UnsafeTarget[];
  /** Kong's prometheus and log plugins to program; none when unset. */
  telemetry?: TelemetrySettings;
}
