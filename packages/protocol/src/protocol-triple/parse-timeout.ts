import { Code, ConnectError } from "@connectrpc/connect";
import { headerServiceTimeout, headerTripleTimeoutMs } from "./headers.js";

/** The result of reading a Triple deadline: a timeout in ms, none, or an error to answer with. */
export interface ParsedTimeout {
  timeoutMs?: number;
  error?: ConnectError;
}

/**
 * Reads the deadline of a Triple HTTP unary call from `tri-service-timeout` (Dubbo Java, dubbo-js) or
 * `triple-timeout-ms` (dubbo-go): a positive integer of at most 10 digits, in milliseconds.
 * A malformed value is an INVALID_ARGUMENT error naming the header and value.
 * A value above `maxTimeoutMs` (when > 0) is clamped to it.
 */
export function parseTimeout(header: Headers, maxTimeoutMs: number): ParsedTimeout {
  let name = headerServiceTimeout;
  let value = header.get(headerServiceTimeout);
  if (value === null) {
    name = headerTripleTimeoutMs;
    value = header.get(headerTripleTimeoutMs);
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
