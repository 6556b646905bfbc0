import { Code, ConnectError, type MethodImplSpec } from "@connectrpc/connect";
import {
  contentTypeMatcher,
  createAsyncIterable,
  createMethodSerializationLookup,
  createMethodUrl,
  invokeUnaryImplementation,
  type ProtocolHandlerFactory,
  type UniversalHandler,
  type UniversalHandlerOptions,
  type UniversalServerRequest,
  type UniversalServerResponse,
  uResponseUnsupportedMediaType,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import { contentTypeJson, contentTypeProto, contentTypeRegExp } from "./content-type.js";
import { errorToJsonBytes } from "./error-json.js";
import { callOver, createTripleCall, errorResponse, methodName, protocolName } from "./handler-context.js";
import { headerContentEncoding, headerContentLength, headerContentType, headerTrailerPrefix } from "./headers.js";
import { codeToHttpStatus } from "./http-status.js";
import { binaryResponse, readRequestInput, requestShape } from "./request-input.js";
import { createServerStreamHandler } from "./server-stream-handler.js";

export { protocolName } from "./handler-context.js";

/**
 * Creates the handler factory of Triple HTTP calls (`POST /<package.Service>/<Method>` with `application/json` or
 * `application/proto`, over HTTP/1.1 or HTTP/2), to sit beside connect's gRPC, gRPC-web and Connect factories in
 * `createUniversalServiceHandlers`. It shares their options, interceptors, request gate and implementations; only the
 * wire differs: the deadline comes from `tri-service-timeout`, and an error is a non-200 status with the JSON error
 * body of `errorToJsonBytes` and `tri-exception-code`. Unary methods answer one message; server-streaming methods
 * answer Server-Sent Events, as Dubbo 3.3 does (see `createServerStreamHandler`). Client and bidi streaming need
 * gRPC: over HTTP/1.1 they answer Dubbo's "HTTP1.x only support unary and server-stream".
 */
export function createHandlerFactory(options: Partial<UniversalHandlerOptions>): ProtocolHandlerFactory {
  const opt = validateUniversalHandlerOptions(options);
  function fact(spec: MethodImplSpec): UniversalHandler {
    const handle =
      spec.kind === "unary"
        ? createUnaryHandler(opt, spec)
        : spec.kind === "server_streaming"
          ? createServerStreamHandler(opt, spec)
          : createStreamRejectingHandler(spec);
    return Object.assign(handle, {
      protocolNames: [protocolName],
      supportedContentType: contentTypeMatcher(contentTypeRegExp),
      allowedMethods: ["POST"],
      requestPath: createMethodUrl("/", spec.method),
      service: spec.method.parent,
      method: spec.method,
    });
  }
  fact.protocolName = protocolName;
  return fact;
}

function createUnaryHandler(opt: UniversalHandlerOptions, spec: MethodImplSpec & { kind: "unary" }) {
  const serialization = createMethodSerializationLookup(spec.method, opt.binaryOptions, opt.jsonOptions, opt);
  return async function handle(req: UniversalServerRequest): Promise<UniversalServerResponse> {
    const shape = requestShape(req);
    if (shape === undefined) return uResponseUnsupportedMediaType;
    const binary = binaryResponse(shape);
    const { context, compression, timeoutError } = createTripleCall(
      opt,
      spec,
      req,
      binary ? contentTypeProto : contentTypeJson,
    );
    let body: Uint8Array;
    try {
      if (opt.requestGate !== undefined) await opt.requestGate(context);
      if (compression.error) throw compression.error;
      if (timeoutError) throw timeoutError;
      const input = await readRequestInput(
        req,
        shape,
        spec.method,
        serialization,
        opt.readMaxBytes,
        compression.request,
      );
      const output = await invokeUnaryImplementation(spec, context, input, opt.interceptors);
      body = serialization.getO(binary).serialize(output);
    } catch (e) {
      return errorResponse(context, e);
    } finally {
      context.abort(callOver);
    }
    if (compression.response && body.byteLength >= opt.compressMinBytes) {
      body = await compression.response.compress(body);
      context.responseHeader.set(headerContentEncoding, compression.response.name);
    }
    const header = new Headers(context.responseHeader);
    for (const [key, value] of context.responseTrailer) header.append(`${headerTrailerPrefix}${key}`, value);
    header.set(headerContentLength, String(body.byteLength));
    return { status: 200, header, body: createAsyncIterable([body]) };
  };
}

/** The first words of Dubbo Java's answer to a client or bidi stream over HTTP/1.x, kept so logs match. */
export const http1StreamingRefusal = "HTTP1.x only support unary and server-stream";

function createStreamRejectingHandler(spec: MethodImplSpec) {
  const kind = spec.kind.replace("_", "-");
  return async function handle(req: UniversalServerRequest): Promise<UniversalServerResponse> {
    // Over HTTP/1.1 the request cannot stream alongside the response: Dubbo's refusal, with 505 HTTP Version Not
    // Supported (what connect answers a bidi call on HTTP/1.1 too). Over HTTP/2 the call just needs gRPC framing.
    const get = req.method === "GET";
    const http1 = req.httpVersion.startsWith("1.");
    const error = get
      ? new ConnectError(
          `GET calls unary and server-streaming methods; ${methodName(spec.method)} is a ${kind} method`,
          Code.Unimplemented,
        )
      : http1
        ? new ConnectError(
            `${http1StreamingRefusal}: ${methodName(spec.method)} is a ${kind} method; call it with gRPC over HTTP/2`,
            Code.Unimplemented,
          )
        : new ConnectError(
            `${methodName(spec.method)} is a ${kind} method: Triple HTTP carries unary and server-streaming calls; ` +
              "call it with gRPC (application/grpc)",
            Code.Unimplemented,
          );
    const body = errorToJsonBytes(error);
    return {
      status: get ? 405 : http1 ? 505 : codeToHttpStatus(error.code),
      header: new Headers({ [headerContentType]: contentTypeJson, [headerContentLength]: String(body.byteLength) }),
      body: createAsyncIterable([body]),
    };
  };
}
