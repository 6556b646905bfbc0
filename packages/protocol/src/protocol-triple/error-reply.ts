import type { ConnectError } from "@connectrpc/connect";
import { mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import { contentTypeJson } from "./content-type.js";
import { errorToJsonBytes } from "./error-json.js";
import { headerContentLength, headerContentType, headerExceptionCode } from "./headers.js";
import { codeToHttpStatus } from "./http-status.js";

/** The status line and body of a failed Triple HTTP call (its headers are set on the caller's `Headers`). */
export interface TripleErrorReply {
  readonly status: number;
  readonly body: Uint8Array;
}

/**
 * What a failed Triple HTTP call answers, on every serving path: the HTTP status of the code, the JSON error body
 * every Triple dialect reads (`errorToJsonBytes`), and on `header` — the response headers so far — the JSON content
 * type, Dubbo's `tri-exception-code` (`exceptionCode`: the gRPC code, or 3 for a business exception) and the
 * error's own metadata.
 */
export function tripleErrorReply(header: Headers, error: ConnectError, exceptionCode: number): TripleErrorReply {
  header.set(headerContentType, contentTypeJson);
  header.set(headerExceptionCode, String(exceptionCode));
  if (!error.isWireError) mergeNonProtocolHeaders(header, error.metadata);
  const body = errorToJsonBytes(error);
  header.set(headerContentLength, String(body.byteLength));
  return { status: codeToHttpStatus(error.code), body };
}
