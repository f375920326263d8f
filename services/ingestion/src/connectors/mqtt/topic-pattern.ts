// Topic patterns: an MQTT filter whose wildcards may carry names (`plant/+line/+machine/#rest`), compiled once
// into a matcher that returns what each wildcard captured, and tag templates (`{line}/{machine}`) filled from it.

const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'single'; readonly name?: string }
  | { readonly kind: 'rest'; readonly name?: string };

export interface TopicCaptures {
  /** Every wildcard's capture in filter order; `{1}` in a template is the first. `#` captures `a/b/c`. */
  readonly positional: readonly string[];
  readonly named: Readonly<Record<string, string>>;
}

export interface TopicPattern {
  /** The filter as written in the configuration. */
  readonly pattern: string;
  /** The filter the broker understands: names stripped from the wildcards. */
  readonly brokerFilter: string;
  /** The capture names, in filter order (unnamed wildcards are not listed). */
  readonly captureNames: readonly string[];
  readonly wildcardCount: number;
  match(topic: string): TopicCaptures | undefined;
}

/** Compiles a pattern; throws with a message naming the pattern and the offending segment. */
export function compileTopicPattern(pattern: string): TopicPattern {
  if (pattern === '') throw new Error('topic pattern must not be empty');
  const parts = pattern.split('/');
  const segments: Segment[] = parts.map((part, index) => {
    const wildcard = part[0];
    if (wildcard === '+' || wildcard === '#') {
      const name = part.slice(1);
      if (name !== '' && !CAPTURE_NAME.test(name)) {
        throw new Error(
          `topic pattern "${pattern}": "${part}" names a capture "${name}"; names are letters, digits, "_" and "-"`,
        );
      }
      if (wildcard === '#' && index !== parts.length - 1) {
        throw new Error(`topic pattern "${pattern}": "#" must be the last segment`);
      }
      return name === ''
        ? { kind: wildcard === '+' ? 'single' : 'rest' }
        : { kind: wildcard === '+' ? 'single' : 'rest', name };
    }
    if (part.includes('+') || part.includes('#')) {
      throw new Error(`topic pattern "${pattern}": a wildcard must fill a whole segment, not "${part}"`);
    }
    return { kind: 'literal', text: part };
  });
  const captureNames: string[] = [];
  for (const segment of segments) {
    if (segment.kind === 'literal' || segment.name === undefined) continue;
    if (captureNames.includes(segment.name)) {
      throw new Error(`topic pattern "${pattern}": capture "${segment.name}" is named twice`);
    }
    captureNames.push(segment.name);
  }
  const brokerFilter = segments
    .map((segment) => (segment.kind === 'literal' ? segment.text : segment.kind === 'single' ? '+' : '#'))
    .join('/');
  const wildcardCount = segments.filter((segment) => segment.kind !== 'literal').length;
  return {
    pattern,
    brokerFilter,
    captureNames,
    wildcardCount,
    match: (topic) => matchSegments(segments, topic),
  };
}

function matchSegments(segments: readonly Segment[], topic: string): TopicCaptures | undefined {
  const levels = topic.split('/');
  // MQTT 3.1.1, 4.7.2: a filter starting with a wildcard does not match topics starting with "$".
  if (topic.startsWith('$') && segments[0]?.kind !== 'literal') return undefined;
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index];
    if (segment === undefined) return undefined;
    if (segment.kind === 'rest') {
      // "a/#" also matches "a" itself (MQTT 3.1.1, 4.7.1.2); the capture is then empty.
      const rest = levels.slice(index).join('/');
      positional.push(rest);
      if (segment.name !== undefined) named[segment.name] = rest;
      return { positional, named };
    }
    const level = levels[index];
    if (level === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (level !== segment.text) return undefined;
    } else {
      positional.push(level);
      if (segment.name !== undefined) named[segment.name] = level;
    }
  }
  return levels.length === segments.length ? { positional, named } : undefined;
}

/** The placeholders of a tag template that the pattern cannot fill; empty when the template is usable. */
export function unknownPlaceholders(template: string, pattern: TopicPattern): string[] {
  const unknown: string[] = [];
  for (const [, key = ''] of template.matchAll(PLACEHOLDER)) {
    if (!isKnownPlaceholder(key, pattern)) unknown.push(key);
  }
  return unknown;
}

function isKnownPlaceholder(key: string, pattern: TopicPattern): boolean {
  if (key === 'topic' || pattern.captureNames.includes(key)) return true;
  if (!/^[1-9][0-9]*$/.test(key)) return false;
  return Number(key) <= pattern.wildcardCount;
}

/** Fills `{name}`, `{1}` (first wildcard) and `{topic}` (the whole topic) in a tag template. */
export function renderTagTemplate(template: string, topic: string, captures: TopicCaptures): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => {
    if (key === 'topic') return topic;
    const named = captures.named[key];
    if (named !== undefined) return named;
    if (/^[1-9][0-9]*$/.test(key)) return captures.positional[Number(key) - 1] ?? whole;
    return whole;
  });
}
