// The one table of a chaos run and its verdict: a fault passes with nothing lost, nothing stored twice and the
// OEE of the fixed window identical to the fault-free reference.

export interface FaultRow {
  readonly fault: string;
  readonly sent: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly lost: number;
  /** `identical`, `reference` (the fault-free phase itself), or what differs / is missing. */
  readonly oeeVsReference: string;
}

export function passes(row: FaultRow): boolean {
  return (
    row.lost === 0 &&
    row.duplicates === 0 &&
    (row.oeeVsReference === 'identical' || row.oeeVsReference === 'reference')
  );
}

const HEADER = ['fault', 'sent', 'stored', 'duplicates', 'dead-lettered', 'lost', 'OEE vs reference'];

/** A Markdown table (it reads as plain text too), numbers with thousands separators. */
export function renderTable(rows: readonly FaultRow[]): string {
  const cells = rows.map((row) => [
    row.fault,
    format(row.sent),
    format(row.stored),
    format(row.duplicates),
    format(row.deadLettered),
    format(row.lost),
    row.oeeVsReference,
  ]);
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => (i === 0 || i === 6 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 || i === 6 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(HEADER), rule, ...cells.map(line)].join('\n');
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
