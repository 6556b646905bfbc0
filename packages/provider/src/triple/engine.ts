import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import {
  type ConnectError,
  compressionGzip,
  decodeRequest,
  grpc,
  headerAcceptEncoding,
  headerContentEncoding,
  headerContentType,
  headerServiceGroup,
  headerServiceVersion,
  parseTripleContentType,
  parseTripleTimeout,
} from "@dubbo-mesh/protocol";
import { createActiveCalls, markUndecodable } from "../call/call-end.js";
import type { EngineOptions } from "../call/engine-options.js";
import { invokeUnary, type UnaryPlan } from "../call/invoke-unary.js";
import { type ResolvedCall, resolveCall } from "../dispatch.js";
import type { NodeRequest, NodeResponse } from "../node-types.js";
import { upperFirstMethodLetter } from "../route-lookup.js";
import { readRequestBody } from "./request-body.js";
import { type TripleBody, TripleCall } from "./triple-call.js";

/** Takes a request if it is a Triple HTTP unary call and returns true; false leaves it to connect's general path. */
export type TripleEngine = (req: NodeRequest, res: NodeResponse) => boolean;

/** A unary method the engine serves, with its codecs (made on first use). */
interface Route {
  readonly method: DescMethod;
  codecs: { json?: Codecs; proto?: Codecs };
}

interface Codecs {
  readonly input: grpc.Codec;
  /** The response serializer: binary protobuf, or JSON as text (written as a string). */
  readonly output: { serialize(message: unknown): TripleBody };
}

/** The content encodings this side decompresses and may answer in. */
const acceptCompression = [compressionGzip];

/**
 * Creates the provider's Triple HTTP unary engine: every `POST /<package.Service>/<Method>` of a unary method with
 * `application/json` or `application/proto` (any charset), over HTTP/1.1 or HTTP/2, served straight on node:http's
 * request and response with @bufbuild/protobuf codecs, each call one `TripleCall` — the same call end, routing
 * (`resolveCall`), handler invocation, metrics and tracing as the gRPC engine's, only the wire differs. The deadline
 * comes from `tri-service-timeout` (or dubbo-go's `triple-timeout-ms`); the body may be gzip (`content-encoding`),
 * and so may the answer (`accept-encoding`); errors are the status and JSON body of `tripleErrorReply`. Everything
 * else — server streaming as Server-Sent Events, REST-style calls (GET, `google.api.http` rules), Triple's refusal of
 * client and bidi streams, unknown paths, other content types, gRPC-web and Connect — is left to connect's general
 * path.
 */
export function createTripleEngine(options: EngineOptions): TripleEngine {
  const active = createActiveCalls(options.shutdownSignal);
  const routes = new Map<string, Route>();
  const descs = new Map<string, DescService>();
  for (const { value } of options.table.entries()) descs.set(value.desc.typeName, value.desc);
  for (const desc of descs.values()) {
    for (const m of desc.methods) {
      if (m.methodKind === "unary") routes.set(`/${desc.typeName}/${m.name}`, { method: m, codecs: {} });
    }
  }
  const { readMaxBytes, interceptors, metrics, tracing, table, fallbackToDefault } = options;
  return (req, res) => {
    if (req.method !== "POST") return false;
    const type = parseTripleContentType(req.headers[headerContentType] ?? null);
    if (type === undefined) return false;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const route = routes.get(path) ?? routes.get(upperFirstMethodLetter(path));
    if (route === undefined) return false;
    const method = route.method;
    const headers = req.headers;
    // Routed first, so the metrics carry the version and group of the registration that serves the call; then
    // the checks in the order the general path makes them (routing, encoding, deadline).
    let resolved: ResolvedCall | undefined;
    let early: ConnectError | undefined;
    try {
      resolved = resolveCall(
        table,
        fallbackToDefault,
        method.parent.typeName,
        method.localName,
        method.name,
        grpc.nodeHeader(headers, headerServiceVersion) ?? "",
        grpc.nodeHeader(headers, headerServiceGroup) ?? "",
      );
    } catch (e) {
      early = e as ConnectError;
    }
    const compression = compressionNegotiate(
      acceptCompression,
      grpc.nodeHeader(headers, headerContentEncoding) ?? null,
      grpc.nodeHeader(headers, headerAcceptEncoding) ?? null,
      headerAcceptEncoding,
    );
    early ??= compression.error;
    const timeout = parseTripleTimeout(headers, 0);
    early ??= timeout.error;
    const call = new TripleCall(
      method,
      req,
      res,
      type.binary,
      compression.response,
      early ? undefined : timeout.timeoutMs,
      active,
      metrics?.meter(method.parent.typeName, method.name, resolved?.version, resolved?.group),
      tracing,
    );
    if (early || !resolved) {
      call.finish(early);
      return true;
    }
    const codecs = codecsOf(route, type.binary);
    // The handler runs in the call's server span under tracing (`CallEnd.invoke`).
    const plan: UnaryPlan<TripleBody> = { target: resolved.target, interceptors, output: codecs.output };
    const decode = (bytes: Uint8Array) => {
      if (call.ended) return;
      let input: unknown;
      try {
        input = decodeRequest(codecs.input.parse, type.binary, bytes, method);
      } catch (e) {
        return call.fail(markUndecodable(e));
      }
      invokeUnary(call, plan, input);
    };
    const inflate = compression.request;
    call.onEnd = readRequestBody(req, readMaxBytes, {
      body: inflate
        ? (bytes) => inflate.decompress(bytes, readMaxBytes).then(decode, (e: unknown) => call.fail(markUndecodable(e)))
        : decode,
      error: (e) => call.fail(e),
    });
    return true;
  };
}

/** The codecs of a route in one format, made on its first call in that format. */
function codecsOf(route: Route, binary: boolean): Codecs {
  const kind = binary ? "proto" : "json";
  let codecs = route.codecs[kind];
  if (!codecs) {
    const output = grpc.createCodec(route.method.output, kind);
    const text = output.serializeText;
    codecs = { input: grpc.createCodec(route.method.input, kind), output: text ? { serialize: text } : output };
    route.codecs[kind] = codecs;
  }
  return codecs;
}
