// Command-line options of the chaos suite and the soak: `--name value`, numbers only, each checked.

export interface OptionSpec {
  readonly defaultValue: number;
  readonly min: number;
  readonly description: string;
}

/** Reads `--name value` pairs for the names in specs; an unknown name or a bad number throws naming it. */
export function parseNumberOptions<K extends string>(
  argv: readonly string[],
  specs: Record<K, OptionSpec>,
): Record<K, number> {
  const values = Object.fromEntries(
    Object.entries<OptionSpec>(specs).map(([name, spec]) => [name, spec.defaultValue]),
  ) as Record<K, number>;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !Object.hasOwn(specs, name)) {
      throw new Error(`unknown option '${flag}'; expected ${usage(specs)}`);
    }
    const text = argv[i + 1];
    const value = Number(text);
    const spec = specs[name as K];
    if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < spec.min) {
      throw new Error(
        `--${name}: expected a number >= ${spec.min} (${spec.description}), got '${text ?? ''}'`,
      );
    }
    values[name as K] = value;
  }
  return values;
}

export function usage(specs: Record<string, OptionSpec>): string {
  return Object.entries(specs)
    .map(([name, spec]) => `--${name} <${spec.description}, default ${spec.defaultValue}>`)
    .join(' ');
}
