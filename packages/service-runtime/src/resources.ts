// The resources of one process: each is opened when a service first asks for it and then shared, so `kiln start`
// opens one database for five services. Each is registered with the lifecycle as it opens: it closes after every
// service that started after it, that is after all of its users.
import type { ReadinessCheck, ServiceLifecycle } from '@kiln/service-kit';
import type { ResourceContext, ResourceDefinition, Resources } from './definition';

export class ResourceScope {
  private readonly opened = new Map<string, Promise<unknown>>();
  private readonly checks: ReadinessCheck[] = [];

  constructor(
    private readonly lifecycle: ServiceLifecycle,
    private readonly config: unknown,
    private readonly context: Omit<ResourceContext, 'lost'>,
  ) {}

  /** The view a service gets: it may use only what its definition declares. */
  forService(service: string, declared: readonly ResourceDefinition<unknown, never>[]): Resources {
    return {
      use: <V, C>(resource: ResourceDefinition<V, C>): Promise<V> => {
        if (!declared.some((entry) => entry.id === resource.id)) {
          throw new Error(
            `service ${service} uses the resource ${resource.id} without declaring it: add it to its definition's uses`,
          );
        }
        return this.open(resource);
      },
      readiness: () => this.readiness(),
    };
  }

  /** One readiness check per opened resource, named by its id. */
  readiness(): readonly ReadinessCheck[] {
    return this.checks;
  }

  private open<V, C>(resource: ResourceDefinition<V, C>): Promise<V> {
    const existing = this.opened.get(resource.id);
    if (existing !== undefined) return existing as Promise<V>;
    const opening = (async () => {
      // The host built the configuration from the sections its services declared, the resources' among them.
      const opened = await resource.open(this.config as C, {
        ...this.context,
        lost: (error) => this.lifecycle.fail(new Error(`the ${resource.id} is lost: ${error.message}`)),
      });
      this.lifecycle.add({ name: resource.id, stop: () => opened.close() });
      this.checks.push({ name: resource.id, check: () => opened.ping() });
      return opened.value;
    })();
    this.opened.set(resource.id, opening);
    // A failed open is not cached: the service fails to start and the process stops.
    opening.catch(() => this.opened.delete(resource.id));
    return opening;
  }
}
