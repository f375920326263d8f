// Which lines of a Kiln process's output are error-level logs: pino JSON lines with level >= 50 (error, fatal).

const ERROR_LEVEL = 50;

/** True for a pino JSON line of level error or fatal; anything else (other levels, plain text) is not counted. */
export function countsAsError(line: string): boolean {
  if (!line.startsWith('{')) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  const level = (parsed as { level?: unknown }).level;
  return typeof level === 'number' && level >= ERROR_LEVEL;
}
