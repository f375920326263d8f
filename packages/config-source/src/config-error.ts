// A configuration problem says where the bad value came from, so the operator edits the right place.

/** Where a configuration value (and so a configuration issue) came from. */
export type ConfigSource =
  | { readonly kind: 'file'; readonly file: string; readonly line: number; readonly col: number }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'unknown' };

export interface ConfigIssue {
  /** Dotted configuration path (`bus.kafka.brokers[1]`); empty for file-level problems. */
  readonly path: string;
  readonly message: string;
  readonly source: ConfigSource;
}

/** Thrown by `loadConfig`; `issues` lists every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(['invalid configuration:', ...issues.map((issue) => `  ${formatConfigIssue(issue)}`)].join('\n'));
    this.issues = issues;
  }
}

/** `kiln.yaml:4:3 bus.kafka.brokrs: unrecognized key` or `env KILN_HTTP_PORT (http.port): expected number, ...` */
export function formatConfigIssue(issue: ConfigIssue): string {
  const subject = issue.path === '' ? '' : `${issue.path}: `;
  switch (issue.source.kind) {
    case 'file':
      return `${issue.source.file}:${issue.source.line}:${issue.source.col} ${subject}${issue.message}`;
    case 'env':
      return `env ${issue.source.name}${issue.path === '' ? '' : ` (${issue.path})`}: ${issue.message}`;
    case 'unknown':
      return `${subject}${issue.message}`;
  }
}
