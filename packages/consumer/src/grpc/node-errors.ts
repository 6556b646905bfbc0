import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The ConnectError for a Node failure on a call (a connection that could not be made, a stream Node destroyed), with
 * the codes connect-node gives them, so callers and the retry layer see the same thing on every protocol:
 * refused/unresolvable/timed-out connections are UNAVAILABLE, reset connections ABORTED, the rest INTERNAL; the Node
 * error stays as `cause` (which is where the retry layer looks for a failed connect(2)).
 */
export function errorFromNodeReason(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  let code = Code.Internal;
  for (let e: unknown = reason, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (c === "ERR_STREAM_DESTROYED" || c === "ERR_HTTP2_INVALID_STREAM" || c === "ECONNRESET") code = Code.Aborted;
    else if (c === "ETIMEDOUT" || c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "ECONNREFUSED")
      code = Code.Unavailable;
  }
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}
