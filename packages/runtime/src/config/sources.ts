import { type ConfigProblem, invalidValue } from "./config-error.js";
import { canonicalKey, envNamesFor } from "./key-names.js";
import { IGNORED_KEYS, LEGACY_ALIASES, SCHEMA_KEYS } from "./schema.js";
import type { ConfigInput, ConfigSourceKind } from "./types.js";
import type { RawValue } from "./value-parsers.js";

/** One key set by one source, before validation. */
export interface RawSetting {
  /** Canonical kebab-case key. */
  readonly key: string;
  /** The key as written in the source. */
  readonly writtenKey: string;
  /** The raw value (never empty: empty values mean "not set" and are dropped). */
  readonly value: RawValue;
  /** The kind of source. */
  readonly source: Exclude<ConfigSourceKind, "default">;
  /** Where within the source: the environment variable name or `path line N`; undefined for code. */
  readonly location?: string;
}

/** Human-readable origin of a setting: `code`, `environment DUBBO_X`, `file /x/dubbo.properties line 3`. */
export function originOf(setting: Pick<RawSetting, "source" | "location">): string {
  return setting.location === undefined ? setting.source : `${setting.source} ${setting.location}`;
}

/** True for values that count as "not set": empty or blank text, and empty lists. */
export function isBlank(value: RawValue): boolean {
  return typeof value === "object" ? value.length === 0 : typeof value === "string" && value.trim() === "";
}

function isPlainObject(value: unknown): value is ConfigInput {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Flattens configuration given in code (see {@link ConfigInput}) into settings. Nested objects are joined with `.`,
 * `dubbo.` is prefixed when missing, and `undefined`, `null`, blank strings and empty lists are skipped. Values of
 * other types (functions, dates, lists of non-strings...) are reported as problems.
 */
export function codeSettings(input: ConfigInput | undefined): { settings: RawSetting[]; problems: ConfigProblem[] } {
  const settings: RawSetting[] = [];
  const problems: ConfigProblem[] = [];
  const visit = (object: ConfigInput, prefix: string): void => {
    for (const [name, value] of Object.entries(object)) {
      const path = prefix === "" ? name : `${prefix}.${name}`;
      if (isPlainObject(value)) {
        visit(value, path);
        continue;
      }
      if (value === undefined || value === null) continue;
      const writtenKey = path === "dubbo" || path.startsWith("dubbo.") ? path : `dubbo.${path}`;
      const key = canonicalKey(writtenKey);
      let raw: RawValue | undefined;
      if (typeof value === "string" || typeof value === "boolean" || typeof value === "number") raw = value;
      else if (Array.isArray(value) && value.every((item) => typeof item === "string" || typeof item === "number")) {
        raw = value.map(String);
      }
      if (raw === undefined) {
        problems.push(
          invalidValue(
            key,
            typeof value === "function" ? "[function]" : String(value),
            "code",
            "code",
            "expected a string, number, boolean or list of strings",
          ),
        );
      } else if (!isBlank(raw)) {
        settings.push({ key, writtenKey, value: raw, source: "code" });
      }
    }
  };
  if (input !== undefined) visit(input, "");
  return { settings, problems };
}

/** Every key that environment variables can set: supported, legacy and ignored keys. */
const ENV_KEYS: readonly string[] = [...SCHEMA_KEYS, ...Object.keys(LEGACY_ALIASES), ...Object.keys(IGNORED_KEYS)];

/**
 * Reads the environment variables for every known key (see {@link envNamesFor}). When both the kebab and the camel
 * form of a name are set, the kebab form wins, with a warning if they differ. Blank variables count as unset.
 */
export function environmentSettings(env: Readonly<Record<string, string | undefined>>): {
  settings: RawSetting[];
  warnings: string[];
} {
  const settings: RawSetting[] = [];
  const warnings: string[] = [];
  for (const key of ENV_KEYS) {
    const present = envNamesFor(key).flatMap((name) => {
      const value = env[name];
      return value === undefined || value.trim() === "" ? [] : [{ name, value }];
    });
    const [chosen, other] = present;
    if (chosen === undefined) continue;
    if (other !== undefined && other.value !== chosen.value) {
      warnings.push(`both ${chosen.name} and ${other.name} are set for ${key}; using ${chosen.name}`);
    }
    settings.push({ key, writtenKey: chosen.name, value: chosen.value, source: "environment", location: chosen.name });
  }
  return { settings, warnings };
}
