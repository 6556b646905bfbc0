import { parseArgs } from "node:util";
import { errorMessage } from "@dubbo-mesh/runtime";

/**
 * A wrong command line: an unknown command or flag, a missing argument, a bad value. The dispatcher prints the message
 * with a pointer to `--help` and exits 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** One flag of a command: how it parses and how `--help` describes it. */
export interface OptionSpec {
  /** `"string"` takes a value (`--timeout 500`, `--timeout=500`); `"boolean"` is a switch. */
  readonly type: "string" | "boolean";
  /** May be given several times (`--metadata a=1 --metadata b=2`); the values are collected in order. */
  readonly multiple?: boolean;
  /** One-letter alias, e.g. `h` for `-h`. */
  readonly short?: string;
  /** The value's placeholder in `--help`, e.g. `ms` in `--timeout <ms>`. */
  readonly valueName?: string;
  /** One line for `--help`, defaults included. */
  readonly description: string;
}

/** A command's flags by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What `parseCommandLine` found: positionals in order and flag values by long name. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
}

/**
 * Parses a command's arguments with `node:util` `parseArgs` in strict mode: flags not in `options` and values missing
 * after a string flag throw a `UsageError` naming the flag. Positionals may come before or after flags; `--` ends
 * the flags.
 */
export function parseCommandLine(args: readonly string[], options: OptionSpecs): ParsedArgs {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short === undefined ? {} : { short: spec.short }) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: config,
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (e) {
    throw new UsageError(describeParseError(e));
  }
}

function describeParseError(e: unknown): string {
  const message = errorMessage(e);
  const code = (e as { code?: unknown }).code;
  const flag = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) return `unknown flag '${flag}'`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag !== undefined) {
    return message.includes("argument missing") ? `flag '${flag}' needs a value` : `flag '${flag}' takes no value`;
  }
  return message;
}

/** The last value of a string flag, or undefined when it is absent. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  if (Array.isArray(value)) return value.length === 0 ? undefined : String(value[value.length - 1]);
  return typeof value === "string" ? value : undefined;
}

/** Every value of a repeatable string flag, in order (empty when absent). */
export function listFlag(parsed: ParsedArgs, name: string): string[] {
  const value = parsed.values[name];
  if (Array.isArray(value)) return value.map(String);
  return typeof value === "string" ? [value] : [];
}

/** Whether a boolean flag was given. */
export function booleanFlag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * A whole number of milliseconds from a flag (`--timeout 1500`), or `fallback` when absent. 0 means "no deadline"
 * where the command says so. Anything else — negative, fractional, `1s` — is a `UsageError`.
 */
export function millisecondsFlag(parsed: ParsedArgs, name: string, fallback: number): number {
  const text = stringFlag(parsed, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number of milliseconds, got '${text}'`);
  return Number(text);
}

/**
 * Request metadata from repeatable `--metadata key=value` flags, as a `Headers`. Keys are lower-cased (HTTP/2);
 * a key given twice is sent twice. A flag without `=` or with an empty key is a `UsageError`.
 */
export function metadataFlag(parsed: ParsedArgs, name = "metadata"): Headers {
  const headers = new Headers();
  for (const pair of listFlag(parsed, name)) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? "" : pair.slice(0, eq).trim();
    if (key === "") throw new UsageError(`--${name} expects key=value, got '${pair}'`);
    try {
      headers.append(key, pair.slice(eq + 1));
    } catch {
      throw new UsageError(`--${name} '${pair}': '${key}' is not a valid header name`);
    }
  }
  return headers;
}

/** Fails with a `UsageError` when there are more positionals than `max`, naming the first extra one. */
export function checkPositionalCount(parsed: ParsedArgs, max: number): void {
  const extra = parsed.positionals[max];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
}

/** A whole-number flag (`--replicas 3`), or undefined when absent; anything but digits is a `UsageError`. */
export function integerFlag(parsed: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(parsed, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got '${text}'`);
  return Number(text);
}
