import { Code, ConnectError } from "@connectrpc/connect";

const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * Parses `grpc-timeout` (gRPC over HTTP/2: `TimeoutValue TimeoutUnit`, at most 8 ASCII digits, then one of
 * `H M S m u n`) into milliseconds. Absent is undefined (no deadline). A value that is not of that form throws
 * INVALID_ARGUMENT naming it, e.g. `protocol error: invalid grpc-timeout "5 seconds"`.
 */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.length;
  const unit = unitMs[value.charAt(n - 1)];
  if (unit === undefined || n < 2 || n > 9) throw invalidTimeout(value);
  let digits = 0;
  for (let i = 0; i < n - 1; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) throw invalidTimeout(value);
    digits = digits * 10 + c;
  }
  return digits * unit;
}

function invalidTimeout(value: string): ConnectError {
  return new ConnectError(
    `protocol error: invalid grpc-timeout "${value}": expected up to 8 digits and a unit (H, M, S, m, u, n)`,
    Code.InvalidArgument,
  );
}

/**
 * Encodes a timeout in ms as `grpc-timeout`: whole milliseconds rounded up (at least 1), switching to seconds,
 * minutes, then hours (rounded up) where milliseconds would need more than 8 digits.
 */
export function encodeTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  if (ms < 100_000_000) return `${ms}m`;
  const s = Math.ceil(ms / 1000);
  if (s < 100_000_000) return `${s}S`;
  const m = Math.ceil(s / 60);
  if (m < 100_000_000) return `${m}M`;
  return `${Math.min(99_999_999, Math.ceil(m / 60))}H`;
}
