import { isIP } from "node:net";

/** A raw, not yet validated value: text from a file or the environment, or a value given in code. */
export type RawValue = string | number | boolean | readonly string[];

/** The outcome of parsing one raw value: the typed value, or the reason it was rejected (the expectation). */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Parses a raw value into a typed value or a rejection reason. */
export type ValueParser<T> = (raw: RawValue) => ParseResult<T>;

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(reason: string): ParseResult<T> => ({ ok: false, reason });

/** Renders a raw value as text for messages and descriptions: lists are comma-joined. */
export function rawToText(raw: RawValue): string {
  return typeof raw === "object" ? raw.join(",") : String(raw);
}

function single(raw: RawValue): string | undefined {
  return typeof raw === "object" ? undefined : String(raw).trim();
}

/** Any single text value, trimmed (numbers and booleans given in code are converted to text). */
export const textValue: ValueParser<string> = (raw) => {
  const text = single(raw);
  return text === undefined ? fail("expected a single value, not a list") : ok(text);
};

/** `true` or `false`, case-insensitive, or a boolean given in code; nothing else (no yes/no/1/0). */
export const booleanValue: ValueParser<boolean> = (raw) => {
  if (typeof raw === "boolean") return ok(raw);
  const text = single(raw)?.toLowerCase();
  if (text === "true") return ok(true);
  if (text === "false") return ok(false);
  return fail("expected true or false");
};

function integerValue(raw: RawValue): number | undefined {
  if (typeof raw === "number") return Number.isSafeInteger(raw) ? raw : undefined;
  const text = single(raw);
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * A TCP port number 1-65535; with `allowZero`, 0 is accepted too and means "any free port" (useful in tests).
 */
export function portValue(allowZero: boolean): ValueParser<number> {
  const reason = allowZero
    ? "expected a port number 1-65535, or 0 for any free port"
    : "expected a port number 1-65535";
  return (raw) => {
    const value = integerValue(raw);
    return value !== undefined && value >= (allowZero ? 0 : 1) && value <= 65535 ? ok(value) : fail(reason);
  };
}

/** A duration: a non-negative integer number of milliseconds. */
export const durationValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 0 ? ok(value) : fail("expected a non-negative integer number of milliseconds");
};

/** A duration that must be at least 1 ms (a timeout that cannot be switched off). */
export const positiveDurationValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 1 ? ok(value) : fail("expected a positive integer number of milliseconds");
};

/** A duration given in whole seconds (legacy keys), returned in milliseconds. */
export const secondsAsMillisValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 0
    ? ok(value * 1000)
    : fail("expected a non-negative integer number of seconds");
};

/** An integer of at least 1 (limits such as a connection cap). */
export const positiveIntegerValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 1 ? ok(value) : fail("expected a positive integer");
};

/** An integer greater than or equal to zero (counts such as retries). */
export const nonNegativeIntegerValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 0 ? ok(value) : fail("expected an integer >= 0");
};

const MAX_INT32 = 2_147_483_647;

/** A count (calls, connections, streams) from `min` up to 2147483647, the largest that HTTP/2 SETTINGS and Node take. */
export function countValue(min: 0 | 1): ValueParser<number> {
  return (raw) => {
    const value = integerValue(raw);
    return value !== undefined && value >= min && value <= MAX_INT32
      ? ok(value)
      : fail(`expected an integer from ${min} to ${MAX_INT32}`);
  };
}

/** A size in bytes: a positive integer up to 2147483647 (the largest message gRPC can frame). */
export const bytesValue: ValueParser<number> = (raw) => {
  const value = integerValue(raw);
  return value !== undefined && value >= 1 && value <= MAX_INT32
    ? ok(value)
    : fail(`expected a positive integer number of bytes up to ${MAX_INT32}`);
};

/** One of a fixed set of words, matched case-insensitively and returned in its canonical spelling. */
export function enumValue<const T extends string>(allowed: readonly T[]): ValueParser<T> {
  return (raw) => {
    const text = single(raw)?.toLowerCase();
    const match = allowed.find((candidate) => candidate.toLowerCase() === text);
    return match === undefined ? fail(`expected one of ${allowed.join(", ")} (case-insensitive)`) : ok(match);
  };
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host to bind or connect to: an IPv4/IPv6 address (brackets around IPv6 are dropped) or a DNS host name. */
export const hostValue: ValueParser<string> = (raw) => {
  const text = single(raw);
  const unbracketed = text?.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (unbracketed !== undefined && (isIP(unbracketed) !== 0 || HOST_NAME.test(unbracketed))) return ok(unbracketed);
  return fail("expected an IP address or host name");
};

/** True when `text` is an IPv4/IPv6 address or a CIDR block such as `10.0.0.0/8` or `fd00::/8`. */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash === -1) return isIP(text) !== 0;
  const family = isIP(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function listItems(raw: RawValue): string[] {
  const items = typeof raw === "object" ? raw : String(raw).split(",");
  return items.map((item) => item.trim()).filter((item) => item !== "");
}

/** A comma-separated list (or array) of IP addresses and CIDR blocks; every item is validated. */
export const ipListValue: ValueParser<readonly string[]> = (raw) => {
  const items = listItems(raw);
  const bad = items.find((item) => !isIpOrCidr(item));
  return bad === undefined
    ? ok(items)
    : fail(`expected a comma-separated list of IP addresses or CIDR blocks; ${JSON.stringify(bad)} is neither`);
};

/** A comma-separated list (or array) of command names (letters, digits, `_` and `-`, starting with a letter). */
export const nameListValue: ValueParser<readonly string[]> = (raw) => {
  const items = listItems(raw);
  const bad = items.find((item) => !/^[A-Za-z][A-Za-z0-9_-]*$/.test(item));
  return bad === undefined
    ? ok(items)
    : fail(`expected a comma-separated list of command names; ${JSON.stringify(bad)} is not a name`);
};

/** Registry address: only `N/A` (any case) is supported, because mesh mode without a registry is the only mode. */
export const registryAddressValue: ValueParser<"N/A"> = (raw) =>
  single(raw)?.toUpperCase() === "N/A"
    ? ok("N/A")
    : fail(
        "mesh mode without a registry is the only mode dubbo-mesh supports (service discovery is left to Kubernetes " +
          "DNS and the mesh); supported values: N/A",
      );
