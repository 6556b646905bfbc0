import type * as http2 from "node:http2";
import { create, type DescMethodUnary, type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type MethodImplSpec } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { frameMessage, headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";
import type { Logger, RpcMetrics, ServiceTable } from "@dubbo-mesh/runtime";
import { type BoundMethod, type Registration, resolveTarget } from "../dispatch.js";
import { LazyHandlerContext } from "./lazy-context.js";
import { readUnaryEnvelope } from "./unary-envelope.js";

/** What the fast lane needs from the provider. */
export interface UnaryLaneOptions {
  table: ServiceTable<Registration>;
  fallbackToDefault: boolean;
  readMaxBytes: number;
  /** User interceptors; the lane runs them exactly as the general path does. */
  interceptors: Interceptor[];
  metrics?: RpcMetrics;
  shutdownSignal: AbortSignal;
  logger: Logger;
}

/** Handles a stream if it is a fast-lane call and returns true; returns false to leave it to the general path. */
export type UnaryLane = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

const contentTypeResponse = "application/grpc+proto";

/**
 * Creates the fast lane of the hot path: unary gRPC over HTTP/2 with binary protobuf and no compression, served on
 * node:http2's stream API with @bufbuild/protobuf codecs — no per-call async-iterable pipeline, no Headers/AbortSignal
 * unless the handler reads them. Everything else (streaming, JSON, compression, gRPC-web, Triple, HTTP/1.1) goes to
 * connect's general path. Semantics are the general path's, sharing its pieces: routing by (service, version, group)
 * through `resolveTarget`, interceptors through connect's `invokeUnaryImplementation`, `grpc-timeout` through connect's
 * parser, errors through connect's `setTrailerStatus`, the same read limit and the same bad-input codes.
 */
export function createUnaryLane(options: UnaryLaneOptions): UnaryLane {
  // Calls in progress, cancelled together when the provider shuts down (one listener, not one per call).
  const active = new Set<(e: ConnectError) => void>();
  options.shutdownSignal.addEventListener(
    "abort",
    () => {
      const error = new ConnectError("operation was aborted: the provider is shutting down", Code.Canceled);
      for (const cancel of [...active]) cancel(error);
    },
    { once: true },
  );
  const methods = new Map<string, DescMethodUnary>();
  const descs = new Map<string, DescService>();
  for (const { value } of options.table.entries()) descs.set(value.desc.typeName, value.desc);
  for (const desc of descs.values()) {
    for (const m of desc.methods)
      if (m.methodKind === "unary") methods.set(`/${desc.typeName}/${m.name}`, m as DescMethodUnary);
  }
  return (stream, headers) => {
    if (headers[":method"] !== "POST") return false;
    const ct = headers["content-type"];
    if (ct !== "application/grpc" && ct !== "application/grpc+proto") return false;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const method = methods.get(headers[":path"] ?? "");
    if (!method) return false;
    serve(options, active, stream, headers, method);
    return true;
  };
}

function header(headers: http2.IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : "";
}

function serve(
  opt: UnaryLaneOptions,
  active: Set<(e: ConnectError) => void>,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  method: DescMethodUnary,
): void {
  const timeout = parseTimeout(
    headers["grpc-timeout"] === undefined ? null : header(headers, "grpc-timeout"),
    Number.MAX_SAFE_INTEGER,
  );
  const ctx = new LazyHandlerContext(method, stream, headers, timeout.timeoutMs);
  const done = opt.metrics?.recordStart(method.parent.typeName, method.name);
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const finish = (error: ConnectError | undefined, output?: Uint8Array) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    active.delete(fail);
    done?.(error ? Code[error.code] : "OK");
    if (stream.destroyed || stream.closed) return;
    const responseHeaders: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": contentTypeResponse };
    ctx.responseHeaderIfSet?.forEach((v, k) => {
      responseHeaders[k] = v;
    });
    if (error) {
      // Trailers-only: one HEADERS frame carrying the status.
      const trailer = new Headers(ctx.responseTrailerIfSet);
      setTrailerStatus(trailer, error);
      trailer.forEach((v, k) => {
        responseHeaders[k] = v;
      });
      stream.respond(responseHeaders, { endStream: true });
      return;
    }
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.on("wantTrailers", () => {
      const trailers: http2.OutgoingHttpHeaders = { "grpc-status": "0" };
      ctx.responseTrailerIfSet?.forEach((v, k) => {
        trailers[k] = v;
      });
      stream.sendTrailers(trailers);
    });
    stream.end(output ? frameMessage(output) : undefined);
  };

  const fail = (e: unknown) => {
    const error =
      e instanceof ConnectError ? e : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
    ctx.abort(error);
    finish(error);
  };

  if (timeout.error) {
    fail(timeout.error);
    return;
  }
  let target: BoundMethod;
  try {
    target = resolveTarget(
      opt.table,
      opt.fallbackToDefault,
      method.parent.typeName,
      method.localName,
      method.name,
      header(headers, headerServiceVersion),
      header(headers, headerServiceGroup),
    );
  } catch (e) {
    fail(e);
    return;
  }
  if (timeout.timeoutMs !== undefined) {
    timer = setTimeout(
      () => fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
      timeout.timeoutMs,
    );
  }
  active.add(fail);
  stream.on("close", () => {
    if (!finished) fail(new ConnectError("the client cancelled the call", Code.Canceled));
  });

  const chunks: Buffer[] = [];
  let total = 0;
  stream.on("data", (chunk: Buffer) => {
    total += chunk.length;
    if (total > opt.readMaxBytes + 5 && !finished) {
      // Over the limit: answer now, without buffering the rest.
      return fail(
        new ConnectError(
          `message size is larger than configured readMaxBytes ${opt.readMaxBytes}`,
          Code.ResourceExhausted,
        ),
      );
    }
    if (!finished) chunks.push(chunk);
  });
  stream.on("end", () => {
    if (finished) return;
    let input: unknown;
    try {
      const bytes = readUnaryEnvelope(chunks, total, opt.readMaxBytes);
      try {
        input = fromBinary(method.input, bytes, { readUnknownFields: true });
      } catch (e) {
        // As connect's binary serialization reports it, so both lanes answer alike.
        throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
      }
    } catch (e) {
      return fail(e);
    }
    const respond = (out: unknown) => {
      try {
        finish(undefined, toBinary(method.output, normalize(method, out as Record<string, unknown>)));
      } catch (e) {
        fail(e);
      }
    };
    if (opt.interceptors.length > 0) {
      const spec = { kind: "unary", method, impl: target } as MethodImplSpec & { kind: "unary" };
      invokeUnaryImplementation(spec, ctx, input as never, opt.interceptors).then(respond, fail);
      return;
    }
    // No interceptors: call the handler directly; a handler that returns a plain value is answered synchronously.
    let out: unknown;
    try {
      out = target(input, ctx);
    } catch (e) {
      return fail(e);
    }
    if (out instanceof Promise) out.then(respond, fail);
    else respond(out);
  });
}

/** A handler may return a message or its init shape; make it a message of the output type, as connect does. */
function normalize(method: DescMethodUnary, out: Record<string, unknown>) {
  if (out !== null && typeof out === "object" && out.$typeName === method.output.typeName) return out as never;
  return create(method.output, out as never);
}
