import type * as http2 from "node:http2";
import type { DescMethod, DescMethodServerStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { ActiveCalls, GrpcLaneOptions } from "./lane-call.js";
import { serveServerStreaming } from "./server-streaming-lane.js";
import { serveUnary } from "./unary-grpc-lane.js";

export type { GrpcLaneOptions } from "./lane-call.js";

/** Handles a stream if it is a fast-lane call and returns true; returns false to leave it to the general path. */
export type GrpcLane = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/**
 * Creates the fast lane of the hot path: unary and server-streaming gRPC over HTTP/2 with binary protobuf and no
 * compression, served on node:http2's stream API with @bufbuild/protobuf codecs — no per-call async-iterable pipeline,
 * no Headers/AbortSignal unless the handler reads them. Everything else (client and bidi streaming, JSON, compression,
 * gRPC-web, Triple, HTTP/1.1, unknown paths) goes to connect's general path. Semantics are the general path's, sharing
 * its pieces: routing by (service, version, group) through `resolveTarget`, interceptors through connect's
 * `invokeUnaryImplementation` / `transformInvokeImplementation`, `grpc-timeout` through connect's parser, errors
 * through connect's `setTrailerStatus`, the same read limit and the same bad-input codes.
 */
export function createGrpcLane(options: GrpcLaneOptions): GrpcLane {
  // Calls in progress, cancelled together when the provider shuts down (one listener, not one per call).
  const active: ActiveCalls = new Set();
  options.shutdownSignal.addEventListener(
    "abort",
    () => {
      const error = new ConnectError("operation was aborted: the provider is shutting down", Code.Canceled);
      for (const cancel of [...active]) cancel(error);
    },
    { once: true },
  );
  const methods = new Map<string, DescMethod>();
  const descs = new Map<string, DescService>();
  for (const { value } of options.table.entries()) descs.set(value.desc.typeName, value.desc);
  for (const desc of descs.values()) {
    for (const m of desc.methods) {
      if (m.methodKind === "unary" || m.methodKind === "server_streaming")
        methods.set(`/${desc.typeName}/${m.name}`, m);
    }
  }
  return (stream, headers) => {
    if (headers[":method"] !== "POST") return false;
    const ct = headers[grpc.headerContentType];
    if (ct !== grpc.contentTypeGrpc && ct !== grpc.contentTypeProto) return false;
    const encoding = headers[grpc.headerEncoding];
    if (encoding !== undefined && encoding !== "identity") return false;
    const method = methods.get(headers[":path"] ?? "");
    if (!method) return false;
    if (method.methodKind === "unary") serveUnary(options, active, stream, headers, method as DescMethodUnary);
    else serveServerStreaming(options, active, stream, headers, method as DescMethodServerStreaming);
    return true;
  };
}
