import { Code, ConnectError, createHandlerContext, type MethodImplSpec } from "@connectrpc/connect";
import {
  type Compression,
  compressionNegotiate,
  contentTypeMatcher,
  createAsyncIterable,
  createMethodSerializationLookup,
  createMethodUrl,
  invokeUnaryImplementation,
  mergeNonProtocolHeaders,
  type ProtocolHandlerFactory,
  readAllBytes,
  type UniversalHandler,
  type UniversalHandlerOptions,
  type UniversalServerRequest,
  type UniversalServerResponse,
  uResponseUnsupportedMediaType,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import { contentTypeJson, contentTypeProto, contentTypeRegExp, parseContentType } from "./content-type.js";
import { errorToJsonBytes } from "./error-json.js";
import {
  headerAcceptEncoding,
  headerContentEncoding,
  headerContentLength,
  headerContentType,
  headerProtocolVersion,
  tripleProtocolVersion,
} from "./headers.js";
import { codeToHttpStatus } from "./http-status.js";
import { parseTimeout } from "./parse-timeout.js";

/** The name this protocol reports in `HandlerContext.protocolName`. */
export const protocolName = "triple";

/**
 * Creates the handler factory of Triple HTTP unary calls (`POST /<package.Service>/<Method>` with `application/json`
 * or `application/proto`, over HTTP/1.1 or HTTP/2), to sit beside connect's gRPC, gRPC-web and Connect factories in
 * `createUniversalServiceHandlers`. It shares their options, interceptors, request gate and implementations; only the
 * wire differs: the deadline comes from `tri-service-timeout`, and an error is a non-200 status with the JSON body of
 * `errorToJsonBytes`. Streaming methods answer UNIMPLEMENTED: Triple streams only over gRPC.
 */
export function createHandlerFactory(options: Partial<UniversalHandlerOptions>): ProtocolHandlerFactory {
  const opt = validateUniversalHandlerOptions(options);
  function fact(spec: MethodImplSpec): UniversalHandler {
    const handle = spec.kind === "unary" ? createUnaryHandler(opt, spec) : createStreamRejectingHandler(spec);
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
    const type = parseContentType(req.header.get(headerContentType));
    if (type === undefined) return uResponseUnsupportedMediaType;
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
        [headerContentType]: type.binary ? contentTypeProto : contentTypeJson,
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
    let status = 200;
    let body: Uint8Array;
    try {
      if (opt.requestGate !== undefined) await opt.requestGate(context);
      if (compression.error) throw compression.error;
      if (timeout.error) throw timeout.error;
      const reqBytes = await readBody(req, opt.readMaxBytes, compression.request);
      const input = serialization.getI(type.binary).parse(reqBytes);
      const output = await invokeUnaryImplementation(spec, context, input, opt.interceptors);
      body = serialization.getO(type.binary).serialize(output);
    } catch (e) {
      context.abort(e);
      const error = toConnectError(e, context.signal);
      status = codeToHttpStatus(error.code);
      context.responseHeader.set(headerContentType, contentTypeJson);
      if (!error.isWireError) mergeNonProtocolHeaders(context.responseHeader, error.metadata);
      body = errorToJsonBytes(error);
    } finally {
      context.abort();
    }
    if (compression.response && body.byteLength >= opt.compressMinBytes) {
      body = await compression.response.compress(body);
      context.responseHeader.set(headerContentEncoding, compression.response.name);
    }
    const header = new Headers(context.responseHeader);
    for (const [key, value] of context.responseTrailer) header.append(`trailer-${key}`, value);
    header.set(headerContentLength, String(body.byteLength));
    return { status, header, body: createAsyncIterable([body]) };
  };
}

function createStreamRejectingHandler(spec: MethodImplSpec) {
  return async function handle(): Promise<UniversalServerResponse> {
    const error = new ConnectError(
      `${spec.method.parent.typeName}/${spec.method.name} is a ${spec.kind.replace("_", "-")} method: ` +
        "Triple HTTP carries unary calls only; call it with gRPC (application/grpc) over HTTP/2",
      Code.Unimplemented,
    );
    const body = errorToJsonBytes(error);
    return {
      status: codeToHttpStatus(error.code),
      header: new Headers({ [headerContentType]: contentTypeJson, [headerContentLength]: String(body.byteLength) }),
      body: createAsyncIterable([body]),
    };
  };
}

async function readBody(
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
 * The error a failed call answers with: a ConnectError as thrown; DEADLINE_EXCEEDED or CANCELLED when the call's own
 * signal ended it; INTERNAL for anything else, with no detail of the thrown value leaking to the caller.
 */
function toConnectError(e: unknown, signal: AbortSignal): ConnectError {
  if (e instanceof ConnectError) return e;
  if (signal.aborted && signal.reason instanceof ConnectError) return signal.reason;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}
