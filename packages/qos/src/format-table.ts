/**
 * formatTable aligns rows into space-separated columns, each as wide as its widest cell, with no trailing
 * spaces. Used by `ls`, `ps` and `help`.
 *
 * @example
 * formatTable([["tri", "50052"], ["qos", "22222"]]); // "tri  50052\nqos  22222"
 */
export function formatTable(rows: ReadonlyArray<readonly string[]>, indent = ""): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => `${indent}${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ")}`.trimEnd())
    .join("\n");
}
