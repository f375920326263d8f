// Several services in one process (`kiln start`): one runtime, one bus and one set of resources for all, each
// service started from its definition in the order its topics give (start-order.ts). A service whose section is
// optional and absent is not started.
import type { EventBus } from '@kiln/bus';
import type { Logger, ReadinessCheck, Registry, ServiceLifecycle } from '@kiln/service-kit';
import type { AnyServiceDefinition, Resources } from './definition';
import { ResourceScope } from './resources';
import { startOrder } from './start-order';

export interface HostContext {
  readonly lifecycle: ServiceLifecycle;
  /** The platform's configuration: it holds every section the services declare (mergeServiceConfig). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly registry: Registry;
  readonly version: string;
}

/** What the host lends a service, computed when its turn comes (so it may use services started before it). */
export type ExtrasFor = (id: string, started: StartedServices) => unknown;

export interface StartedServices {
  /** The handle of a started service, typed by its definition; undefined when it did not start. */
  handleOf<H>(definition: AnyServiceDefinition<H>): H | undefined;
  /** The resources' checks, then each service's, in start order. */
  readiness(): ReadinessCheck[];
  /** The ids, in the order they started. */
  readonly started: readonly string[];
  /** The process's resources, for the host's own use (kiln start seeds the admin key in the database). */
  readonly resources: Resources;
}

export async function startServices(
  definitions: readonly AnyServiceDefinition[],
  context: HostContext,
  extrasFor: ExtrasFor = () => undefined,
): Promise<StartedServices> {
  const { lifecycle, config, logger } = context;
  const scope = new ResourceScope(lifecycle, config, { service: 'kiln', logger });
  const handles = new Map<string, unknown>();
  const checks: ReadinessCheck[] = [];
  const result: StartedServices = {
    handleOf: <H>(definition: AnyServiceDefinition<H>) => handles.get(definition.id) as H | undefined,
    readiness: () => [...scope.readiness(), ...checks],
    get started() {
      return [...handles.keys()];
    },
    resources: scope.forService(
      'kiln',
      definitions.flatMap((definition) => definition.uses),
    ),
  };
  const enabled = definitions.filter(
    (definition) => !definition.config.optional || config[definition.config.key] !== undefined,
  );
  for (const definition of startOrder(enabled)) {
    const started = await definition.start(
      {
        lifecycle,
        config,
        logger,
        bus: context.bus,
        registry: context.registry,
        version: context.version,
        resources: scope.forService(definition.id, definition.uses),
      },
      await extrasFor(definition.id, result),
    );
    handles.set(definition.id, started.handle);
    // In one process several services have a consumer: each check is named by its service, not `consumer`.
    checks.push(
      ...started.readiness.map((check) =>
        check.name === 'consumer' ? { ...check, name: definition.id } : check,
      ),
    );
  }
  return result;
}
