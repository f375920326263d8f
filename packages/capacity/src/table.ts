// Plain text tables for the terminal: a header row, a rule, right-aligned numbers.

export type Cell = string | number | undefined;

export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = rows.map((row) =>
    row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : (cell ?? '-'))),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...text.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...text.map(line)].join('\n');
}
