// Plain-text output helpers for the CLI (the only place that prints).

/** Prints rows as an aligned table; numbers are right-aligned. */
export function printTable(
  rows: readonly Record<string, string | number>[],
  out: NodeJS.WritableStream = process.stdout,
): void {
  out.write(formatTable(rows));
}

export function formatTable(rows: readonly Record<string, string | number>[]): string {
  const first = rows[0];
  if (first === undefined) return '(none)\n';
  const cols = Object.keys(first);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === 'number'));
  const fmt = (vals: string[]) =>
    vals
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(cols), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n') + '\n';
}
