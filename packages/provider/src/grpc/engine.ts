import type * as http2 from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc, headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";
import { createActiveCalls } from "../call/call-end.js";
import type { EngineOptions } from "../call/engine-options.js";
import { type ResolvedCall, resolveCall } from "../dispatch.js";
import { describeUnknownRoute } from "../unknown-route.js";
import { type CallPlan, serveCall } from "./call-kinds.js";
import { ServerCall } from "./server-call.js";

/** Takes an HTTP/2 stream if it is a gRPC call and returns true; false leaves it to connect's general path. */
export type GrpcEngine = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/** A method the engine serves, with its codecs (the JSON ones made on first use). */
interface Route {
  readonly method: DescMethod;
  readonly proto: { input: grpc.Codec; output: grpc.Codec };
  json: { input: grpc.Codec; output: grpc.Codec } | undefined;
  /**
   * What a call without `tri-service-version` and `tri-service-group` resolves to — nearly every gRPC call — found
   * on the first such call. The table does not change once the provider has started, so neither does this.
   */
  unqualified: ResolvedCall | undefined;
  /** The plan of the last call by codec, taken again by the next call with the same handler (no object per call). */
  plans: { proto?: CallPlan; json?: CallPlan };
}

/**
 * Creates the provider's gRPC engine: every gRPC call over HTTP/2 — `application/grpc`, `+proto` and `+json`,
 * identity or gzip, all four call kinds — served on node:http2's stream API with @bufbuild/protobuf codecs, each call
 * one `ServerCall` that owns its end. Routing by (service, version, group) goes through `resolveTarget`, as on the
 * general path; an unknown path is UNIMPLEMENTED (trailers-only); a gRPC codec it does not have is HTTP 415. Health
 * and reflection are registered services like any other. gRPC-web, Connect and Triple HTTP (and HTTP/1.1 at all)
 * are not gRPC over HTTP/2: the engine leaves them to connect's general path.
 */
export function createGrpcEngine(options: EngineOptions): GrpcEngine {
  const active = createActiveCalls(options.shutdownSignal);
  const routes = new Map<string, Route>();
  const descs = new Map<string, DescService>();
  for (const { value } of options.table.entries()) descs.set(value.desc.typeName, value.desc);
  for (const desc of descs.values()) {
    for (const m of desc.methods) {
      routes.set(`/${desc.typeName}/${m.name}`, {
        method: m,
        proto: { input: grpc.createCodec(m.input, "proto"), output: grpc.createCodec(m.output, "proto") },
        json: undefined,
        unqualified: undefined,
        plans: {},
      });
    }
  }
  const readMaxBytes = options.readMaxBytes;
  const interceptors = options.interceptors;
  return (stream, headers) => {
    if (headers[":method"] !== "POST") return false;
    const contentType = headers[grpc.headerContentType];
    const codec = grpc.parseContentType(contentType);
    if (codec === undefined) {
      if (!grpc.isGrpcContentType(contentType)) return false;
      respondError(stream, new ConnectError(`unsupported gRPC content type "${contentType}"`, Code.Internal), 415);
      return true;
    }
    const path = headers[":path"] ?? "";
    const route = routes.get(path);
    if (!route) {
      const message = describeUnknownRoute(path, (name) => options.table.hasService(name));
      respondError(stream, new ConnectError(message, Code.Unimplemented));
      return true;
    }
    const method = route.method;
    // Routed first, so the metrics carry the version and group of the registration that serves the call.
    let early: ConnectError | undefined;
    const version = grpc.nodeHeader(headers, headerServiceVersion) ?? "";
    const group = grpc.nodeHeader(headers, headerServiceGroup) ?? "";
    const unqualified = version === "" && group === "";
    let resolved = unqualified ? route.unqualified : undefined;
    if (!resolved) {
      try {
        resolved = resolveCall(
          options.table,
          options.fallbackToDefault,
          method.parent.typeName,
          method.localName,
          method.name,
          version,
          group,
        );
        if (unqualified) route.unqualified = resolved;
      } catch (e) {
        early = e as ConnectError;
      }
    }
    const encoding = grpc.parseEncoding(grpc.nodeHeader(headers, grpc.headerEncoding));
    if (encoding instanceof ConnectError) early ??= encoding;
    let timeoutMs: number | undefined;
    try {
      timeoutMs = grpc.parseTimeout(grpc.nodeHeader(headers, grpc.headerTimeout));
    } catch (e) {
      early ??= e as ConnectError;
    }
    const call = new ServerCall(
      method,
      stream,
      headers,
      codec,
      encoding instanceof ConnectError ? "identity" : encoding,
      early ? undefined : timeoutMs,
      active,
      options.metrics?.meter(method.parent.typeName, method.name, resolved?.version, resolved?.group),
      options.tracing,
    );
    if (early || !resolved) {
      call.finish(early);
      return true;
    }
    // The handler runs in the call's server span under tracing (`CallEnd.invoke`): the plan is the same either way.
    const target = resolved.target;
    let plan = route.plans[codec];
    if (plan?.target !== target) {
      const codecs = codec === "proto" ? route.proto : jsonCodecs(route);
      plan = { target, interceptors, readMaxBytes, input: codecs.input, output: codecs.output };
      route.plans[codec] = plan;
    }
    serveCall(call, plan);
    return true;
  };
}

/** The JSON codecs of a route, made on its first JSON call. */
function jsonCodecs(route: Route): { input: grpc.Codec; output: grpc.Codec } {
  if (!route.json) {
    route.json = {
      input: grpc.createCodec(route.method.input, "json"),
      output: grpc.createCodec(route.method.output, "json"),
    };
  }
  return route.json;
}

/** Answers a gRPC request that is no call (unknown path, unknown codec): trailers-only, then stop its upload. */
function respondError(stream: http2.ServerHttp2Stream, error: ConnectError, httpStatus = 200): void {
  const out: http2.OutgoingHttpHeaders = { ":status": httpStatus, [grpc.headerContentType]: grpc.contentTypeProto };
  stream.respond(grpc.setTrailerStatus(out, error), { endStream: true });
  // The call is over; a body still coming is not wanted (RFC 9113 §8.1). Node sends the HEADERS frame first.
  if (!stream.readableEnded) stream.close(grpc.http2Error.noError);
}
