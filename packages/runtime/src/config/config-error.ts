import type { ConfigSourceKind } from "./types.js";

/** One invalid configuration value (or unusable configuration file), as collected while loading. */
export interface ConfigProblem {
  /** Canonical key, or `DUBBO_CONFIG_FILE` / the file path for problems with the configuration file itself. */
  readonly key: string;
  /** The offending value as text. */
  readonly value: string;
  /** The kind of source that supplied the value. */
  readonly source: Exclude<ConfigSourceKind, "default">;
  /** Where exactly: `code`, `environment DUBBO_PROTOCOL_PORT`, `file /x/dubbo.properties line 3`. */
  readonly origin: string;
  /** Full one-line description, e.g. `invalid dubbo.protocol.port "70000" from code: expected ...`. */
  readonly message: string;
}

/** Builds the standard problem for a value that failed validation: names key, value, origin and the expectation. */
export function invalidValue(
  key: string,
  value: string,
  source: ConfigProblem["source"],
  origin: string,
  reason: string,
): ConfigProblem {
  return { key, value, source, origin, message: `invalid ${key} ${JSON.stringify(value)} from ${origin}: ${reason}` };
}

/**
 * Thrown by {@link loadConfig} when any value is invalid or the configuration file cannot be used. All problems found
 * are reported in one error; `key`, `value`, `source` and `origin` describe the first, `problems` lists them all.
 */
export class ConfigError extends Error {
  /** Canonical key of the first problem. */
  readonly key: string;
  /** Offending value of the first problem, as text. */
  readonly value: string;
  /** Source kind of the first problem. */
  readonly source: ConfigProblem["source"];
  /** Exact origin of the first problem, e.g. `environment DUBBO_PROTOCOL_PORT`. */
  readonly origin: string;
  /** Every problem found, in key order; at least one. */
  readonly problems: readonly ConfigProblem[];

  /** Creates the error from a non-empty list of problems. */
  constructor(problems: readonly [ConfigProblem, ...ConfigProblem[]]) {
    const [first] = problems;
    super(
      problems.length === 1
        ? first.message
        : `${problems.length} configuration problems:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.key = first.key;
    this.value = first.value;
    this.source = first.source;
    this.origin = first.origin;
    this.problems = problems;
  }
}
