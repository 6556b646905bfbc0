import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The ConnectError for a Node failure on a call, with the codes connect-node's general path gives (so callers and the
 * retry layer see the same thing on both lanes): refused/unresolvable/timed-out connections are UNAVAILABLE, reset
 * connections ABORTED, the rest INTERNAL; the Node error stays as `cause`.
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

/** The error for a stream the peer reset, as connect-node maps RST_STREAM codes; undefined for NO_ERROR. */
export function errorFromResetCode(rstCode: number): ConnectError | undefined {
  const c = http2.constants;
  const message = `http/2 stream closed with error code ${rstCode} (0x${rstCode.toString(16)})`;
  switch (rstCode) {
    case c.NGHTTP2_NO_ERROR:
      return undefined;
    case c.NGHTTP2_REFUSED_STREAM:
      return new ConnectError(message, Code.Unavailable);
    case c.NGHTTP2_CANCEL:
      return new ConnectError(message, Code.Canceled);
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError(message, Code.ResourceExhausted);
    case c.NGHTTP2_INADEQUATE_SECURITY:
      return new ConnectError(message, Code.PermissionDenied);
    case c.NGHTTP2_HTTP_1_1_REQUIRED:
      return new ConnectError(message, Code.Unknown);
    default:
      return new ConnectError(message, Code.Internal);
  }
}
