/** The rows of the Markdown tables in a text, as trimmed cells (Prettier pads the columns; docs tests read cells). */
export function markdownTableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}
