// A Kiln service, declared once (docs/architecture.md section 12): its id, its configuration section with the
// environment names that set it, the topics it consumes and produces, the resources it uses (besides the bus) and
// how it starts. Its own process (main.ts: runServiceProcess) runs one definition; `kiln start` runs the list
// (startServices), merging the sections and environment names and ordering the starts from the topics.
import type { TopicSpec } from '@kiln/contracts';
import type { EventBus } from '@kiln/bus';
import type { Logger, ReadinessCheck, Registry, ServiceLifecycle } from '@kiln/service-kit';
import type { z } from 'zod';

/** A connection several services may share in one process (the database, Redis): opened once, closed last. */
export interface ResourceDefinition<V = unknown, C = never> {
  /** Names the resource in /readyz and in the shutdown log (`database`, `live-oee`). */
  readonly id: string;
  open(config: C, context: ResourceContext): Promise<OpenedResource<V>>;
}

export interface ResourceContext {
  /** The service opening it: the database's application_name. */
  readonly service: string;
  readonly logger: Logger;
  /** The resource is gone for good (an embedded database's thread died): the process fails, exit code 1. */
  lost(error: Error): void;
}

export interface OpenedResource<V> {
  readonly value: V;
  /** Readiness: resolves while the resource answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The resources a service's start may use: only those its definition declares. */
export interface Resources {
  use<V, C>(resource: ResourceDefinition<V, C>): Promise<V>;
  /** The readiness checks of the resources this process has opened so far (the gateway's own /readyz). */
  readiness(): readonly ReadinessCheck[];
}

export interface ServiceContext<C> {
  readonly lifecycle: ServiceLifecycle;
  /** The service's process configuration; in `kiln start`, the platform's (which holds the same sections). */
  readonly config: C;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly registry: Registry;
  readonly version: string;
  readonly resources: Resources;
}

export interface StartedService<H> {
  /** Checks /readyz adds for this service (the resources it uses are checked by the host). */
  readonly readiness: readonly ReadinessCheck[];
  /** What the service offers the process that started it (kiln start's banner, its tests). */
  readonly handle: H;
}

/** A section of the configuration: its key, its schema and the environment names that set its keys. */
export interface SectionDeclaration {
  /** The section's key at the top of the configuration (`oee`, `erpSync`). */
  readonly key: string;
  readonly schema: z.ZodType;
  /** Environment names (after `KILN_`) and the key each sets, for this section only. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ServiceConfigDeclaration<C> extends SectionDeclaration {
  /** `kiln start` runs the service only when its section is configured (erp-sync needs an ERP). */
  readonly optional?: boolean;
  /** Sections of other services it reads too (the gateway computes OEE on request with the `oee` section). */
  readonly reads?: readonly SectionDeclaration[];
  /** The service's own process configuration: the section, the runtime's sections and its resources'. */
  readonly load: (file: string | undefined, env: NodeJS.ProcessEnv) => C;
}

export interface ServiceDefinition<C = unknown, H = unknown, X = never> {
  /** `kiln start <id>`, the logger's and the metrics' service name. */
  readonly id: string;
  /** The service package's folder: its package.json gives the version. */
  readonly packageDir: string;
  readonly config: ServiceConfigDeclaration<C>;
  /** Topics it reads with a consumer group. The dead-letter topic is everybody's and not listed. */
  readonly consumes: readonly TopicSpec[];
  /** Topics it writes to. */
  readonly produces: readonly TopicSpec[];
  readonly uses: readonly ResourceDefinition<unknown, never>[];
  /** Start even when the bus is unreachable (RuntimeOptions.tolerateBusOutage). */
  readonly tolerateBusOutage?: boolean;
  /** Called with the configured logger before anything starts (to route a library's own logs). */
  readonly onLogger?: (logger: Logger) => void;
  /**
   * What SIGHUP does in the service's own process (normalization re-reads its plant file). Only there: in
   * `kiln start`, a foreground command, a hangup ends the process as it ends any other.
   */
  readonly onHangup?: (handle: H) => void;
  /**
   * Starts the service's own parts and registers each with the lifecycle. `extras` is what a host that runs
   * several services in one process lends this one (`kiln start`'s in-process delivery hook); never required.
   */
  start(context: ServiceContext<C>, extras?: X): Promise<StartedService<H>>;
}

/**
 * Any service's definition: a list of services is heterogeneous, each start seeing its own configuration type,
 * which the platform's configuration contains.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceDefinition<H = any> = ServiceDefinition<any, H, any>;

/** Declares a service; typed so that `start` sees the service's own configuration. */
export function defineService<C, H, X = never>(
  definition: ServiceDefinition<C, H, X>,
): ServiceDefinition<C, H, X> {
  return definition;
}

/** Declares a shared resource. */
export function defineResource<V, C>(resource: ResourceDefinition<V, C>): ResourceDefinition<V, C> {
  return resource;
}

/** Every topic a service touches, the dead-letter topic included: what its runtime provisions. */
export function topicsOf(
  definition: Pick<ServiceDefinition, 'consumes' | 'produces'>,
  dlq: TopicSpec,
): TopicSpec[] {
  return [...new Set([...definition.consumes, ...definition.produces, dlq])];
}
