/** One `key=value` pair from a properties file, with the (first) line it was written on. */
export interface PropertyEntry {
  /** The key exactly as written (unescaped). */
  readonly key: string;
  /** The value, unescaped and trimmed. */
  readonly value: string;
  /** 1-based line number where the entry starts. */
  readonly line: number;
}

/** A line that could not be parsed (only a malformed `\uXXXX` escape is an error in properties syntax). */
export interface PropertySyntaxError {
  /** 1-based line number. */
  readonly line: number;
  /** What is wrong. */
  readonly message: string;
}

const WHITESPACE = new Set([" ", "\t", "\f"]);

function endsWithOddBackslashes(text: string): boolean {
  let count = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === "\\"; i--) count++;
  return count % 2 === 1;
}

const ESCAPES: Readonly<Record<string, string>> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function unescapeProperties(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c !== "\\" || i === text.length - 1) {
      out += c;
      continue;
    }
    const next = text[++i] ?? "";
    if (next === "u") {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`malformed \\uXXXX escape "\\u${hex}"`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}

function splitKeyValue(logical: string): [string, string] {
  let i = 0;
  while (i < logical.length) {
    const c = logical[i] ?? "";
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "=" || c === ":" || WHITESPACE.has(c)) break;
    i++;
  }
  const key = logical.slice(0, i);
  while (i < logical.length && WHITESPACE.has(logical[i] ?? "")) i++;
  if (logical[i] === "=" || logical[i] === ":") i++;
  return [key, logical.slice(i)];
}

/**
 * Parses Java properties text: `key=value`, `key: value` and `key value` separators, `#` and `!` comment lines,
 * backslash line continuations and escapes (`\t`, `\n`, `\uXXXX`, `\=`, ...). Keys and values are trimmed; a later
 * entry for the same key does not remove an earlier one (callers decide; the loader lets the last one win).
 */
export function parseProperties(text: string): { entries: PropertyEntry[]; errors: PropertySyntaxError[] } {
  const entries: PropertyEntry[] = [];
  const errors: PropertySyntaxError[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const startLine = index + 1;
    let logical = (lines[index] ?? "").replace(/^[ \t\f]+/, "");
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    while (endsWithOddBackslashes(logical) && index + 1 < lines.length) {
      logical = logical.slice(0, -1) + (lines[++index] ?? "").replace(/^[ \t\f]+/, "");
    }
    if (endsWithOddBackslashes(logical)) logical = logical.slice(0, -1);
    const [rawKey, rawValue] = splitKeyValue(logical);
    try {
      entries.push({
        key: unescapeProperties(rawKey).trim(),
        value: unescapeProperties(rawValue).trim(),
        line: startLine,
      });
    } catch (error) {
      errors.push({ line: startLine, message: (error as Error).message });
    }
  }
  return { entries, errors };
}
