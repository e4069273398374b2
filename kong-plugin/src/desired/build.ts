/**
 * The translator: registry snapshot -> DesiredState (KIC `BuildKongConfig`). Pure: no I/O, no
 * clock (the caller passes `now`). A service or consumer that cannot be translated becomes a
 * TranslationFailure and the rest of the build carries on.
 */
import {
  isLeaseExpired,
  servicePrefixes,
  isUpstreamValue,
  UPSTREAM_FIELD_NAMES,
  upstreamFieldRule,
  type Instance,
  type ServiceView,
  type StateSnapshot,
} from '@kong-registry/sdk';
import { emptyState, type Entity } from '../kong/entities';
import { translateConsumer } from './consumers';
import { isRoutedView, translateService, type RoutedServiceView } from './service';
import { globalTelemetryPlugins, NO_TELEMETRY, serviceTelemetryPlugins } from './telemetry';
import type { BuildOptions, DesiredState, TargetSource, TranslationFailure } from './types';
import { checkPrefix, checkServiceName } from './validate';

/** Instances that hold a valid lease and, when draining, have not passed their drain deadline. */
export function liveInstances(view: ServiceView, now: Date): Instance[] {
  const nowMs = now.getTime();
  return view.instances.filter((instance) => {
    if (isLeaseExpired(Date.parse(instance.leaseExpiresAt), nowMs)) return false;
    if (instance.draining && instance.drainUntil && Date.parse(instance.drainUntil) <= nowMs)
      return false;
    return true;
  });
}

function checkService(view: RoutedServiceView, claimed: Map<string, string>): string | undefined {
  const invalidName = checkServiceName(view.name);
  if (invalidName) return invalidName;
  for (const prefix of servicePrefixes(view.definition)) {
    const invalidPrefix = checkPrefix(prefix);
    if (invalidPrefix) return invalidPrefix;
    const owner = claimed.get(prefix);
    if (owner !== undefined) return `prefix '${prefix}' is also claimed by service '${owner}'`;
  }
  if (view.definition.auth.type === 'none' && view.definition.auth.allowGroups.length > 0) {
    return 'acl groups need an authentication type (key-auth or jwt) to identify consumers';
  }
  // The registry checks these with the same rule; Kong would refuse the service with a 400.
  // Fields this controller does not know (a newer registry's) are not its business.
  const upstream: Partial<Record<string, unknown>> = { ...view.definition.upstream };
  for (const field of UPSTREAM_FIELD_NAMES) {
    if (upstream[field] !== undefined && !isUpstreamValue(field, upstream[field]))
      return `upstream.${field} ${JSON.stringify(upstream[field])} is not ${upstreamFieldRule(field)}`;
  }
  return undefined;
}

/** Builds the Kong entities the registry snapshot asks for. */
export function buildDesiredState(snapshot: StateSnapshot, options: BuildOptions): DesiredState {
  const state = emptyState();
  const failures: TranslationFailure[] = [];
  const services: string[] = [];
  const targets = new Map<string, TargetSource>();
  const add = (entities: Entity[]): void => {
    for (const entity of entities) state[entity.kind].set(entity.id, entity);
  };
  const telemetry = options.telemetry ?? NO_TELEMETRY;
  // Global entities belong to whole reconciles: a scoped snapshot (`scope` set) covers only its
  // services, and its Kong reads see only their entities (plan/scope.ts).
  if (!snapshot.scope) add(globalTelemetryPlugins(telemetry, options.ownershipTag));

  // Sorted so that, when two services claim one prefix, the same one wins on every replica.
  const unsafeTargets = options.unsafeTargets ?? [];
  const unsafe = new Set(unsafeTargets.map((u) => `${u.service}/${u.instanceId}`));
  const views = [...snapshot.services].sort((a, b) => a.name.localeCompare(b.name));
  const claimed = new Map<string, string>();
  for (const view of views) {
    // A route-less service (worker, queue consumer) gets nothing in Kong, and is no failure.
    if (!isRoutedView(view)) continue;
    const problem = checkService(view, claimed);
    if (problem) {
      failures.push({ service: view.name, reason: problem });
      continue;
    }
    for (const prefix of servicePrefixes(view.definition)) claimed.set(prefix, view.name);
    const instances = liveInstances(view, options.now).filter(
      (i) => !unsafe.has(`${view.name}/${i.instanceId}`),
    );
    const translated = translateService(view, instances, options.ownershipTag);
    add(translated.entities);
    add(serviceTelemetryPlugins(telemetry, view.name, options.ownershipTag));
    for (const source of translated.targets) {
      const target = translated.entities.find(
        (e) => e.kind === 'target' && e.body.target === source.target,
      );
      if (target) targets.set(target.id, source);
    }
    services.push(view.name);
  }

  for (const consumer of [...snapshot.consumers].sort((a, b) =>
    a.username.localeCompare(b.username),
  )) {
    const result = translateConsumer(consumer, options.ownershipTag);
    if ('failure' in result) failures.push(result.failure);
    else add(result.entities);
  }
  return {
    state,
    failures,
    revision: snapshot.revision,
    services,
    targets,
    unsafeTargets: [...unsafeTargets],
  };
}
