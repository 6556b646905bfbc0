import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext, type MethodImplSpec } from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  createAsyncIterable,
  readAllBytes,
  type UniversalHandlerOptions,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import { tripleErrorReply } from "./error-reply.js";
import {
  headerAcceptEncoding,
  headerContentEncoding,
  headerContentLength,
  headerContentType,
  headerProtocolVersion,
  tripleProtocolVersion,
} from "./headers.js";
import { assertJsonUtf8 } from "./json-utf8.js";
import { parseTimeout } from "./parse-timeout.js";

/** The name this protocol reports in `HandlerContext.protocolName`. */
export const protocolName = "triple";

/**
 * The reason a Triple call's signal is aborted with once the call is over (success included, as connect's handlers
 * do): the same "AbortError" `DOMException` that `abort()` without a reason makes, made once. A `DOMException` takes
 * a stack trace when it is created, which cost ~10% of an HTTP/1.1 unary call's CPU when every call made its own.
 */
export const callOver: DOMException = new DOMException("This operation was aborted", "AbortError");

/** A handler context its creator can abort (connect's `createHandlerContext`). */
export type TripleHandlerContext = ReturnType<typeof createHandlerContext>;

/** What every Triple HTTP call sets up before its body is read: the handler context and the negotiated codecs. */
export interface TripleCall {
  readonly context: TripleHandlerContext;
  /** Compression of the request body and of the response, or the error negotiating them. */
  readonly compression: ReturnType<typeof compressionNegotiate>;
  /** A malformed deadline header, answered once the request gate has run. */
  readonly timeoutError: ConnectError | undefined;
}

/**
 * Creates the handler context of one Triple HTTP call: the deadline from `tri-service-timeout` (or dubbo-go's
 * `triple-timeout-ms`), the shutdown and request signals, the request headers, and a response header that names the
 * content type and the Triple protocol version.
 */
export function createTripleCall(
  opt: UniversalHandlerOptions,
  spec: MethodImplSpec,
  req: UniversalServerRequest,
  responseContentType: string,
): TripleCall {
  const timeout = parseTimeout(req.header, opt.maxTimeoutMs);
  const context = createHandlerContext({
    service: spec.method.parent,
    method: spec.method,
    protocolName,
    requestMethod: req.method,
    url: req.url,
    timeoutMs: timeout.timeoutMs,
    shutdownSignal: opt.shutdownSignal,
    requestSignal: req.signal,
    requestHeader: req.header,
    responseHeader: {
      [headerContentType]: responseContentType,
      [headerProtocolVersion]: tripleProtocolVersion,
    },
    contextValues: req.contextValues,
  });
  const compression = compressionNegotiate(
    opt.acceptCompression,
    req.header.get(headerContentEncoding),
    req.header.get(headerAcceptEncoding),
    headerAcceptEncoding,
  );
  return { context, compression, timeoutError: timeout.error };
}

/** Reads a request body to its end (at most `readMaxBytes`) and decompresses it. */
export async function readRequestBody(
  req: UniversalServerRequest,
  readMaxBytes: number,
  compression: Compression | null,
): Promise<Uint8Array> {
  const body = req.body;
  let bytes: Uint8Array;
  if (typeof body === "object" && body !== null && Symbol.asyncIterator in body) {
    bytes = await readAllBytes(body as AsyncIterable<Uint8Array>, readMaxBytes, req.header.get(headerContentLength));
  } else {
    bytes = new TextEncoder().encode(JSON.stringify(body));
  }
  return compression ? compression.decompress(bytes, readMaxBytes) : bytes;
}

/**
 * Decodes the request message of a Triple POST with `parse` (the method's input codec), naming the method and the
 * body's format when the body is not one: a JSON body that is not UTF-8 is refused first (`assertJsonUtf8`); a
 * malformed JSON body is INVALID_ARGUMENT "malformed JSON request body of greet.v1.GreeterService/Greet: …" (the code
 * is connect's: INTERNAL for bytes that are not protobuf, as gRPC servers answer). Every serving path decodes here.
 */
export function decodeRequest<T>(
  parse: (bytes: Uint8Array) => T,
  binary: boolean,
  bytes: Uint8Array,
  method: DescMethod,
): T {
  if (!binary) assertJsonUtf8(bytes, method.input);
  try {
    return parse(bytes);
  } catch (e) {
    const detail = (e instanceof ConnectError ? e.rawMessage : String(e)).replace(
      /^cannot decode message \S+ from \S+: /,
      "",
    );
    throw new ConnectError(
      `malformed ${binary ? "protobuf" : "JSON"} request body of ${methodName(method)}: ${detail}`,
      e instanceof ConnectError ? e.code : Code.InvalidArgument,
    );
  }
}

/**
 * The error a failed call answers with: a ConnectError as thrown; DEADLINE_EXCEEDED or CANCELLED when the call's own
 * signal ended it; INTERNAL for anything else, with no detail of the thrown value leaking to the caller.
 */
export function toConnectError(e: unknown, signal: AbortSignal): ConnectError {
  if (e instanceof ConnectError) return e;
  if (signal.aborted && signal.reason instanceof ConnectError) return signal.reason;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}

/**
 * Dubbo's `tri-exception-code` for an error: the gRPC code, or Dubbo's BIZ_EXCEPTION (3) when the implementation
 * threw something that is not an RPC error (a business exception, in Dubbo's terms).
 */
export function exceptionCodeOf(e: unknown, error: ConnectError): number {
  return e instanceof ConnectError || error.cause === undefined ? error.code : 3;
}

/**
 * The response of a failed Triple HTTP call: the HTTP status of the code, the JSON error body every Triple dialect
 * reads, `tri-exception-code`, and the error's own metadata as headers.
 */
export function errorResponse(context: TripleHandlerContext, e: unknown): UniversalServerResponse {
  const error = toConnectError(e, context.signal);
  context.abort(error);
  const reply = tripleErrorReply(context.responseHeader, error, exceptionCodeOf(e, error));
  const header = new Headers(context.responseHeader);
  return { status: reply.status, header, body: createAsyncIterable([reply.body]) };
}

/** "greet.v1.GreeterService/Greet": how messages name a method. */
export function methodName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}
