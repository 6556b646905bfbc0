import { Code, ConnectError } from "@dubbo-mesh/consumer";
import type { Io } from "./io.js";

/**
 * Prints a failed call as one JSON line on standard error — `{"code":"NotFound","message":"..."}`, the shape the
 * greeter sample prints — and returns it as a `ConnectError`. Anything that is not a `ConnectError` already is
 * converted by `ConnectError.from` (a plain Error becomes UNKNOWN, an abort CANCELED).
 */
export function printRpcError(io: Io, error: unknown): ConnectError {
  const err = ConnectError.from(error);
  io.err(JSON.stringify({ code: Code[err.code], message: err.rawMessage }));
  return err;
}
