// Plain-text tables as Consul's CLI prints them, so scripts that parse its output keep working:
// columnize (ryanuber/columnize, used by `catalog nodes`) and the text/tabwriter layout of
// `catalog services -tags`. Both are pure functions of their rows.

/**
 * Columnize's layout: cells trimmed; every column but the last padded to its widest cell and
 * followed by two spaces; the last column never padded. Rows are joined by "\n" with no newline
 * at the end. A row shorter than others simply ends early.
 */
export function columnize(rows: readonly (readonly string[])[]): string {
  const trimmed = rows.map((row) => row.map((cell) => cell.trim()));
  const widths: number[] = [];
  for (const row of trimmed) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return trimmed
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : `${cell.padEnd(widths[column] ?? 0)}  `)).join(''))
    .join('\n');
}

/**
 * Two columns as Go's tabwriter with padding 6 and space padding lays them out: the first column
 * as wide as its widest cell plus six, the second unpadded; then the whole block is trimmed of
 * outer whitespace, as `catalog services -tags` does (inner lines keep trailing spaces when their
 * second cell is empty).
 */
export function twoColumnsPadded(rows: readonly (readonly [string, string])[], padding = 6): string {
  const width = Math.max(0, ...rows.map(([first]) => first.length)) + padding;
  return rows
    .map(([first, second]) => `${first.padEnd(width)}${second}`)
    .join('\n')
    .trim();
}

/** Consul's mapToKV: "k=v" pairs sorted by key, joined by ", ". */
export function keyValueList(map: Readonly<Record<string, string>> | null | undefined): string {
  return Object.keys(map ?? {})
    .sort(byteOrder)
    .map((key) => `${key}=${(map ?? {})[key] ?? ''}`)
    .join(', ');
}

/** Go's sort.Strings order (by UTF-16 code unit, which matches bytes for the ASCII names used). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
