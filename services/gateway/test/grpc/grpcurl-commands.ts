// The grpcurl commands of a Markdown document, parsed as a POSIX shell and grpcurl would read them, so that a test
// can run exactly what the docs show: lines starting with `grpcurl` inside fenced code blocks, continued by a
// trailing backslash; words in single quotes (taken literally), double quotes or bare ($NAME and ${NAME}
// expanded from the environment the test gives). Flags that choose the connection (-plaintext, -cacert, -cert,
// -key, -authority, -insecure) are noted, not used: the test's server listens in plaintext. A command that needs
// .proto files (-proto, -import-path, -protoset) is refused: the docs promise reflection alone is enough.

/** A word as the shell sees it: pieces that are expanded ($NAME) or literal ('...'). */
type Word = readonly { readonly text: string; readonly expand: boolean }[];

export interface GrpcurlCommand {
  /** The command as the docs show it, on one line. */
  readonly text: string;
  /** -H "name: value", in order. */
  readonly headers: readonly Word[];
  /** -d's JSON. */
  readonly data: Word | undefined;
  readonly address: string;
  /** list [service], describe [symbol], or a call of `package.Service/Method`. */
  readonly verb: 'list' | 'describe' | 'call';
  readonly symbol: string | undefined;
}

const CONNECTION_FLAGS_WITH_VALUE = new Set(['-cacert', '-cert', '-key', '-authority', '-servername']);
const CONNECTION_FLAGS = new Set(['-plaintext', '-insecure']);
const SOURCE_FLAGS = new Set(['-proto', '-import-path', '-protoset']);

/** The text of a word with $NAME and ${NAME} taken from env (an unknown name is an error, not ''). */
export function wordText(word: Word, env: Readonly<Record<string, string>>): string {
  return word
    .map((piece) =>
      piece.expand
        ? piece.text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => {
            const value = env[name];
            if (value === undefined) throw new Error(`$${name} is not set for the docs' commands`);
            return value;
          })
        : piece.text,
    )
    .join('');
}

/** Splits a command line into words: quotes removed, backslash escapes outside single quotes honoured. */
export function shellWords(line: string): Word[] {
  const words: Word[] = [];
  let word: { text: string; expand: boolean }[] | undefined;
  const piece = (text: string, expand: boolean): void => {
    word ??= [];
    word.push({ text, expand });
  };
  for (let i = 0; i < line.length;) {
    const char = line[i] ?? '';
    if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      piece(line.slice(i + 1, end), false);
      i = end + 1;
    } else if (char === '"') {
      let text = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j += 1) {
        if (line[j] === '\\' && /["\\$`]/.test(line[j + 1] ?? '')) j += 1;
        text += line[j];
      }
      if (j >= line.length) throw new Error(`unclosed " in: ${line}`);
      piece(text, true);
      i = j + 1;
    } else if (char === '\\') {
      piece(line[i + 1] ?? '', false);
      i += 2;
    } else {
      let j = i;
      while (j < line.length && !/[\s'"\\]/.test(line[j] ?? '')) j += 1;
      piece(line.slice(i, j), true);
      i = j;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const literal = (word: Word): string => word.map((piece) => piece.text).join('');

/** grpcurl's reading of one command (without the leading `grpcurl`). */
function commandOf(text: string): GrpcurlCommand {
  const words = shellWords(text).slice(1);
  const headers: Word[] = [];
  let data: Word | undefined;
  const positional: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? [];
    const flag = literal(word);
    const value = (): Word => {
      const next = words[i + 1];
      if (next === undefined) throw new Error(`${flag} without a value in: ${text}`);
      i += 1;
      return next;
    };
    if (flag === '-H') headers.push(value());
    else if (flag === '-d') data = value();
    else if (CONNECTION_FLAGS.has(flag)) continue;
    else if (CONNECTION_FLAGS_WITH_VALUE.has(flag)) value();
    else if (SOURCE_FLAGS.has(flag)) throw new Error(`${flag} reads .proto files, not reflection: ${text}`);
    else if (flag.startsWith('-')) throw new Error(`a flag this test does not know: ${flag} in: ${text}`);
    else positional.push(flag);
  }
  const [address, verbOrMethod, symbol, ...rest] = positional;
  if (address === undefined || verbOrMethod === undefined || rest.length > 0) {
    throw new Error(`not ADDRESS list|describe|METHOD: ${text}`);
  }
  if (verbOrMethod === 'list' || verbOrMethod === 'describe') {
    return { text, headers, data, address, verb: verbOrMethod, symbol };
  }
  if (symbol !== undefined) throw new Error(`a method takes no further argument: ${text}`);
  return { text, headers, data, address, verb: 'call', symbol: verbOrMethod };
}

/** Every grpcurl command in the document's fenced code blocks, in order. */
export function grpcurlCommandsOf(markdown: string): GrpcurlCommand[] {
  const commands: GrpcurlCommand[] = [];
  let fenced = false;
  let pending: string | undefined;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) continue;
    const current =
      pending === undefined
        ? /^\s*grpcurl\s/.test(line)
          ? line.trim()
          : undefined
        : `${pending} ${line.trim()}`;
    if (current === undefined) continue;
    if (current.endsWith('\\')) {
      pending = current.slice(0, -1).trimEnd();
      continue;
    }
    pending = undefined;
    commands.push(commandOf(current));
  }
  return commands;
}
