// The sections and environment names of several services, merged for one process (`kiln start`). Two services
// may declare the same section only with the same schema (the gateway reads the OEE service's `oee` section), and
// an environment name may set only one key: a clash is a programming error, thrown at start with both names.
import type { z } from 'zod';
import type { SectionDeclaration, ServiceDefinition } from './definition';

export interface MergedServiceConfig {
  /** Each section's schema by key, in list order. */
  readonly sections: Readonly<Record<string, z.ZodType>>;
  /** The keys of sections `kiln start` may leave out (the service then does not start). */
  readonly optional: ReadonlySet<string>;
  /** Environment names (after `KILN_`) and the key each sets. */
  readonly env: Readonly<Record<string, string>>;
}

export function mergeServiceConfig(
  definitions: readonly Pick<ServiceDefinition<unknown, unknown, unknown>, 'id' | 'config'>[],
): MergedServiceConfig {
  const sections: Record<string, z.ZodType> = {};
  const owners = new Map<string, string>();
  const env: Record<string, string> = {};
  const envOwners = new Map<string, string>();
  const optional = new Set<string>();
  const add = (section: SectionDeclaration, by: string): void => {
    const existing = sections[section.key];
    if (existing !== undefined && existing !== section.schema) {
      throw new Error(
        `services ${owners.get(section.key)} and ${by} both declare the configuration section ` +
          `${section.key} with different schemas`,
      );
    }
    sections[section.key] = section.schema;
    owners.set(section.key, owners.get(section.key) ?? by);
    for (const [name, key] of Object.entries(section.env)) {
      if (env[name] !== undefined && env[name] !== key) {
        throw new Error(
          `KILN_${name} is declared by ${envOwners.get(name)} for ${env[name]} and by ${by} for ${key}`,
        );
      }
      env[name] = key;
      envOwners.set(name, envOwners.get(name) ?? by);
    }
  };
  for (const definition of definitions) {
    add(definition.config, definition.id);
    if (definition.config.optional) optional.add(definition.config.key);
  }
  // Read sections after every service's own, so a section's owner is the service that declares it as its own.
  for (const definition of definitions) {
    for (const section of definition.config.reads ?? []) add(section, definition.id);
  }
  return { sections, optional, env };
}
