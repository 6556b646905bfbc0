import { Code, ConnectError } from "@connectrpc/connect";

/** HTTP/2 error codes (RFC 9113 §7), as RST_STREAM and GOAWAY carry them. */
export const http2Error = {
  noError: 0x0,
  protocolError: 0x1,
  internalError: 0x2,
  flowControlError: 0x3,
  settingsTimeout: 0x4,
  streamClosed: 0x5,
  frameSizeError: 0x6,
  refusedStream: 0x7,
  cancel: 0x8,
  compressionError: 0x9,
  connectError: 0xa,
  enhanceYourCalm: 0xb,
  inadequateSecurity: 0xc,
  http11Required: 0xd,
} as const;

/**
 * The gRPC code of a call its peer ended with RST_STREAM (or whose connection ended with GOAWAY) before a status
 * arrived, as grpc's PROTOCOL-HTTP2.md maps them: REFUSED_STREAM is UNAVAILABLE (the call was not processed and may
 * be retried), CANCEL is CANCELLED, ENHANCE_YOUR_CALM is RESOURCE_EXHAUSTED, INADEQUATE_SECURITY is
 * PERMISSION_DENIED, and every other code (NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR,
 * SETTINGS_TIMEOUT, FRAME_SIZE_ERROR, COMPRESSION_ERROR, CONNECT_ERROR, ...) is INTERNAL.
 */
export function codeFromResetCode(resetCode: number): Code {
  switch (resetCode) {
    case http2Error.refusedStream:
      return Code.Unavailable;
    case http2Error.cancel:
      return Code.Canceled;
    case http2Error.enhanceYourCalm:
      return Code.ResourceExhausted;
    case http2Error.inadequateSecurity:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

/**
 * The RST_STREAM code with which a side ends a stream for a gRPC code when it cannot send a status (the reverse of
 * `codeFromResetCode`): CANCELLED and DEADLINE_EXCEEDED are CANCEL (as gRPC servers reset an expired call),
 * UNAVAILABLE is REFUSED_STREAM, RESOURCE_EXHAUSTED is ENHANCE_YOUR_CALM, PERMISSION_DENIED is INADEQUATE_SECURITY,
 * anything else INTERNAL_ERROR.
 */
export function resetCodeFromCode(code: Code): number {
  switch (code) {
    case Code.Canceled:
    case Code.DeadlineExceeded:
      return http2Error.cancel;
    case Code.Unavailable:
      return http2Error.refusedStream;
    case Code.ResourceExhausted:
      return http2Error.enhanceYourCalm;
    case Code.PermissionDenied:
      return http2Error.inadequateSecurity;
    default:
      return http2Error.internalError;
  }
}

const names = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

/** The RFC 9113 name of an HTTP/2 error code for messages, e.g. `REFUSED_STREAM`; `0x2a` for an unknown one. */
export function resetCodeName(resetCode: number): string {
  return names[resetCode] ?? `0x${resetCode.toString(16)}`;
}

/**
 * The error of a call its peer reset before a status arrived (client side): the code of `codeFromResetCode`, the
 * message naming the reset code, e.g. `http/2 stream closed with error code REFUSED_STREAM (0x7)`.
 */
export function errorFromResetCode(resetCode: number): ConnectError {
  return new ConnectError(
    `http/2 stream closed with error code ${resetCodeName(resetCode)} (0x${resetCode.toString(16)})`,
    codeFromResetCode(resetCode),
  );
}
