/** Replaces the generated block of bench/README.md (between the bench-table markers) with the latest results. */
import { readFileSync, writeFileSync } from "node:fs";

const START = "<!-- bench-table:start -->";
const END = "<!-- bench-table:end -->";

/** Writes `markdown` between the markers of `readmePath`; returns false (and changes nothing) if they are missing. */
export function updateReadme(readmePath, markdown) {
  let text;
  try {
    text = readFileSync(readmePath, "utf8");
  } catch {
    return false;
  }
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  writeFileSync(readmePath, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
  return true;
}
