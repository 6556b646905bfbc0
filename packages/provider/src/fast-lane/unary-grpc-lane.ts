import type * as http2 from "node:http2";
import { type DescMethodUnary, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError, type MethodImplSpec } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { frameMessage, grpc } from "@dubbo-mesh/protocol";
import type { BoundMethod } from "../dispatch.js";
import {
  type ActiveCalls,
  addTrailers,
  armCallEnds,
  collectRequest,
  type GrpcLaneOptions,
  header,
  laneTarget,
  normalizeOutput,
  parseRequest,
  responseHeaders,
  toConnectError,
} from "./lane-call.js";
import { LazyHandlerContext } from "./lazy-context.js";

/**
 * Serves one unary gRPC call on the fast lane (see `createGrpcLane`): reads the request, routes it, runs the
 * interceptors and the handler, and answers HEADERS + DATA + trailers, or trailers-only on an error. A handler that
 * returns a plain value with no interceptors configured is answered without a promise hop.
 */
export function serveUnary(
  opt: GrpcLaneOptions,
  active: ActiveCalls,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  method: DescMethodUnary,
): void {
  const timeout = parseTimeout(
    headers[grpc.headerTimeout] === undefined ? null : header(headers, grpc.headerTimeout),
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
    if (error) {
      // Trailers-only: one HEADERS frame carrying the status.
      stream.respond(addTrailers(responseHeaders(ctx), ctx, error), { endStream: true });
      return;
    }
    stream.respond(responseHeaders(ctx), { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers(addTrailers({}, ctx, undefined)));
    stream.end(output ? frameMessage(output) : undefined);
  };

  const fail = (e: unknown) => {
    const error = toConnectError(e);
    ctx.abort(error);
    finish(error);
  };

  if (timeout.error) {
    fail(timeout.error);
    return;
  }
  let target: BoundMethod;
  try {
    target = laneTarget(opt, method, headers);
  } catch (e) {
    fail(e);
    return;
  }
  timer = armCallEnds(stream, timeout.timeoutMs, active, fail, () => finished);

  collectRequest(stream, opt.readMaxBytes, (over, chunks, total) => {
    if (finished) return;
    if (over) return fail(over);
    let input: unknown;
    try {
      input = parseRequest(method, chunks, total, opt.readMaxBytes, "unary");
    } catch (e) {
      return fail(e);
    }
    const respond = (out: unknown) => {
      try {
        finish(undefined, toBinary(method.output, normalizeOutput(method.output, out)));
      } catch (e) {
        fail(e);
      }
    };
    if (opt.interceptors.length > 0) {
      const spec = { kind: "unary", method, impl: target } as MethodImplSpec & { kind: "unary" };
      invokeUnaryImplementation(spec, ctx.toPlain(), input as never, opt.interceptors).then(respond, fail);
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
