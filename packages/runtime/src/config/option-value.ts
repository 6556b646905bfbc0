import { SCHEMA, type SchemaKey, type SchemaValue } from "./schema.js";
import { type RawValue, rawToText, type ValueParser } from "./value-parsers.js";

/**
 * The default of a supported key, as the config schema defines it — the one place each default lives, so that a
 * factory's option and its Dubbo key cannot disagree.
 *
 * @example
 * defaultOf("dubbo.protocol.max-message-size"); // 4194304
 */
export function defaultOf<K extends SchemaKey>(key: K): SchemaValue<K> {
  return SCHEMA[key].defaultValue as SchemaValue<K>;
}

/**
 * An option given in code, checked with the parser of its Dubbo key, or the key's default when it is not given
 * (undefined). Throws an error naming the option, the key and the value.
 *
 * @example
 * optionValue("readMaxBytes", "dubbo.protocol.max-message-size", -1);
 * // Error: readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got -1
 */
export function optionValue<K extends SchemaKey>(option: string, key: K, value: RawValue | undefined): SchemaValue<K> {
  return checkedOption(`${option} (${key})`, SCHEMA[key].parse as ValueParser<SchemaValue<K>>, value, defaultOf(key));
}

/**
 * An option checked with `parse`, or `fallback` when it is not given; for options without a Dubbo key. `name` is how
 * the error names it ("resolveIntervalMs", "timeout of the reference to greet.v1.GreeterService").
 */
export function checkedOption<T>(name: string, parse: ValueParser<T>, value: RawValue | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  const parsed = parse(value);
  if (parsed.ok) return parsed.value;
  const rule = parsed.reason.startsWith("expected ") ? `must be ${parsed.reason.slice(9)}` : parsed.reason;
  throw new Error(`${name} ${rule}, got ${typeof value === "string" ? JSON.stringify(value) : rawToText(value)}`);
}
