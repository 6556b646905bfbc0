import { Code, ConnectError } from "@connectrpc/connect";
import { headerServiceTimeout, headerTripleTimeoutMs } from "./headers.js";

/** The result of reading a Triple deadline: a timeout in ms, none, or an error to answer with. */
export interface ParsedTimeout {
  timeoutMs?: number;
  error?: ConnectError;
}

/** Request headers as Fetch `Headers`, or as Node's header object (lower-case names, as node:http gives them). */
export type RequestHeaders = Headers | Readonly<Record<string, string | string[] | undefined>>;

/**
 * Reads the deadline of a Triple HTTP unary call from `tri-service-timeout` (Dubbo Java, dubbo-js) or
 * `triple-timeout-ms` (dubbo-go): a positive integer of at most 10 digits, in milliseconds.
 * A malformed value is an INVALID_ARGUMENT error naming the header and value.
 * A value above `maxTimeoutMs` (when > 0) is clamped to it.
 */
export function parseTimeout(header: RequestHeaders, maxTimeoutMs: number): ParsedTimeout {
  let name = headerServiceTimeout;
  let value = headerValue(header, headerServiceTimeout);
  if (value === null) {
    name = headerTripleTimeoutMs;
    value = headerValue(header, headerTripleTimeoutMs);
  }
  if (value === null || value === "") return {};
  if (!/^\d{1,10}$/.test(value)) {
    return {
      error: new ConnectError(
        `invalid ${name} "${value}": expected a whole number of milliseconds (at most 10 digits)`,
        Code.InvalidArgument,
      ),
    };
  }
  const ms = Number(value);
  if (ms === 0) return {};
  return { timeoutMs: maxTimeoutMs > 0 ? Math.min(ms, maxTimeoutMs) : ms };
}

/** One header of either kind of header object: null when absent, repeated values joined with ", " (as `Headers`). */
export function headerValue(header: RequestHeaders, name: string): string | null {
  if (header instanceof Headers) return header.get(name);
  const v = header[name];
  if (v === undefined) return null;
  return typeof v === "string" ? v : v.join(", ");
}
