import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { type GrpcCodecKind, parseContentType } from "./content-type.js";
import { headerContentType, headerStatus, headersFromNode, nodeHeader } from "./headers.js";
import { readTrailerStatus } from "./trailer-status.js";

/**
 * The gRPC code of a response whose HTTP status is not 200 and that carries no `grpc-status` (a proxy's error page,
 * say), as grpc's http-grpc-status-mapping.md gives it: 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
 * 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, 431 INTERNAL, anything else UNKNOWN.
 */
export function codeFromHttpStatus(httpStatus: number): Code {
  switch (httpStatus) {
    case 400:
    case 431:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** What the response headers of a gRPC call say, once validated. */
export interface ValidatedResponse {
  /** The codec of the messages that follow. */
  readonly codec: GrpcCodecKind;
  /**
   * True when the headers carried `grpc-status` (a trailers-only response): the call is over, with `error` if it
   * failed; no messages and no trailers follow.
   */
  readonly trailersOnly: boolean;
  /** The error of a trailers-only response that failed. */
  readonly error: ConnectError | undefined;
}

/**
 * Validates the response headers of a gRPC call on the client side. Throws the call's error when they are not a gRPC
 * response: a status other than 200 without `grpc-status` (code by `codeFromHttpStatus`, message `HTTP 503`), or a
 * content type that is not gRPC (UNKNOWN, naming it). A `grpc-status` in the headers is a trailers-only response,
 * whatever the HTTP status, and is read as the trailers would be.
 */
export function validateResponse(
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader,
): ValidatedResponse {
  const status = headers[":status"] ?? 0;
  const hasStatus = headers[headerStatus] !== undefined;
  if (hasStatus) {
    const codec = parseContentType(nodeHeader(headers, headerContentType)) ?? "proto";
    return { codec, trailersOnly: true, error: readTrailerStatus(headers) };
  }
  if (status !== 200) {
    throw new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status), headersFromNode(headers));
  }
  const type = nodeHeader(headers, headerContentType);
  const codec = parseContentType(type);
  if (codec === undefined) {
    throw new ConnectError(
      `protocol error: unsupported content type "${type ?? ""}" in a gRPC response`,
      Code.Unknown,
      headersFromNode(headers),
    );
  }
  return { codec, trailersOnly: false, error: undefined };
}

/**
 * Validates the trailers that end a gRPC response on the client side: the call's error for a failed status,
 * undefined for `grpc-status: 0`; INTERNAL ("missing trailers") when the response ended without trailers, and
 * UNKNOWN ("missing status") for trailers without `grpc-status` — as grpc-go and grpc-java synthesize it, and as
 * http-grpc-status-mapping.md maps the response's HTTP 200 ("there should be a grpc-status in case of truly OK").
 */
export function validateTrailer(trailers: http2.IncomingHttpHeaders | undefined): ConnectError | undefined {
  if (trailers === undefined) {
    return new ConnectError("protocol error: missing trailers", Code.Internal);
  }
  if (trailers[headerStatus] === undefined) {
    return new ConnectError("protocol error: missing status", Code.Unknown, headersFromNode(trailers));
  }
  return readTrailerStatus(trailers);
}

/**
 * Checks that a unary call's response, which ended with status OK, carried exactly one message: otherwise INTERNAL,
 * as grpc-go ("cardinality violation") and grpc-java do — the server broke the method's contract, nothing is
 * unimplemented. Undefined when `messages` is 1.
 */
export function validateUnaryMessageCount(messages: number): ConnectError | undefined {
  if (messages === 1) return undefined;
  const what = messages === 0 ? "no response message" : `${messages} response messages`;
  return new ConnectError(`protocol error: ${what} for a unary method`, Code.Internal);
}
