import type * as http2 from "node:http2";
import { type DescMethodServerStreaming, toBinary } from "@bufbuild/protobuf";
import { Code, type ConnectError, type MethodImplSpec } from "@connectrpc/connect";
import { transformInvokeImplementation } from "@connectrpc/connect/protocol";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { grpc } from "@dubbo-mesh/protocol";
import type { BoundMethod } from "../dispatch.js";
import { FrameWriter } from "./frame-writer.js";
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
 * Serves one server-streaming gRPC call on the fast lane (see `createGrpcLane`). The handler's async iterable is
 * pulled one message at a time and each message handed to a `FrameWriter` (the messages of one run of the microtask
 * queue share one write); once the stream's buffer is full (`write()` returned false) the next message is pulled only
 * after `drain`, so a slow reader holds the handler back instead of filling memory.
 *
 * The general path's semantics, kept: the response HEADERS go out with the first message (a handler may set headers
 * until then); trailers carry what the handler set plus `grpc-status`; an error before any message is answered
 * trailers-only, one after some messages in the trailers after them. A deadline, a client's RST_STREAM and the
 * provider's shutdown abort the handler's signal and stop its iterator (`return()`). Interceptors run through connect's
 * `transformInvokeImplementation`, before the request body is read (as after the general path's request gate), and
 * see bad input as the error of the call; without interceptors the handler is called directly.
 */
export function serveServerStreaming(
  opt: GrpcLaneOptions,
  active: ActiveCalls,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  method: DescMethodServerStreaming,
): void {
  const timeout = parseTimeout(
    headers[grpc.headerTimeout] === undefined ? null : header(headers, grpc.headerTimeout),
    Number.MAX_SAFE_INTEGER,
  );
  const ctx = new LazyHandlerContext(method, stream, headers, timeout.timeoutMs);
  const done = opt.metrics?.recordStart(method.parent.typeName, method.name);
  // Invariants: `it` is the response iterator once the handler (or connect's interceptor chain) runs; `pulling` while
  // one of its next() calls is pending; `exhausted` once it ended, threw, or was told to return.
  let it: AsyncIterator<unknown> | undefined;
  let pulling = false;
  let exhausted = false;
  let finished = false;
  let headersSent = false;
  let status: ConnectError | undefined;
  let timer: NodeJS.Timeout | undefined;
  // With interceptors: settles the one request message connect's chain is waiting for.
  let settleInput: ((error: ConnectError | undefined, message?: unknown) => void) | undefined;

  const stopIterator = () => {
    if (!it || exhausted || pulling) return;
    exhausted = true;
    try {
      Promise.resolve(it.return?.()).catch(ignore);
    } catch {
      // A return() that throws has stopped all the same; nobody is left to tell.
    }
  };

  const writer = new FrameWriter(stream);
  const sendHeaders = () => {
    headersSent = true;
    stream.respond(responseHeaders(ctx), { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(addTrailers({}, ctx, status)));
  };

  const finish = (error: ConnectError | undefined) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    active.delete(fail);
    done?.(error ? Code[error.code] : "OK");
    // As connect does: the signal aborts when the call is over, with the error if it failed.
    ctx.abort(error);
    if (error) settleInput?.(error); // a request still awaited by connect's chain fails with the call
    stopIterator(); // if a next() is pending, its result stops the iterator
    if (stream.destroyed || stream.closed) return;
    if (!headersSent) {
      if (error) {
        // Trailers-only: one HEADERS frame carrying the status.
        stream.respond(addTrailers(responseHeaders(ctx), ctx, error), { endStream: true });
        return;
      }
      sendHeaders();
    }
    status = error;
    writer.flush();
    stream.end(); // after the messages still buffered; then 'wantTrailers'
  };

  const fail = (e: unknown) => {
    const error = toConnectError(e);
    ctx.abort(error);
    finish(error);
  };

  const onNext = (r: IteratorResult<unknown>) => {
    pulling = false;
    if (finished) return stopIterator();
    if (stream.destroyed) return; // its 'close' comes next, and cancels the call
    if (r.done) {
      exhausted = true;
      return finish(undefined);
    }
    let bytes: Uint8Array;
    try {
      bytes = toBinary(method.output, normalizeOutput(method.output, r.value));
    } catch (e) {
      return fail(e);
    }
    if (!headersSent) sendHeaders();
    writer.add(bytes);
    // Backpressure: a full stream buffer holds the handler until the peer has read.
    if (stream.writableNeedDrain) stream.once("drain", pull);
    else pull();
  };

  const onError = (e: unknown) => {
    pulling = false;
    exhausted = true;
    fail(e);
  };

  const pull = () => {
    if (finished || !it) return stopIterator();
    pulling = true;
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = it.next();
    } catch (e) {
      return onError(e);
    }
    next.then(onNext, onError);
  };

  /** Calls the handler directly (no interceptors) and starts pulling its messages. */
  const invoke = (target: BoundMethod, input: unknown) => {
    try {
      const out = target(input, ctx) as AsyncIterable<unknown>;
      it = out[Symbol.asyncIterator]();
    } catch (e) {
      return fail(e);
    }
    pull();
  };

  let target: BoundMethod;
  try {
    target = laneTarget(opt, method, headers);
  } catch (e) {
    fail(e);
    return;
  }
  timer = armCallEnds(stream, timeout.timeoutMs, active, fail, () => finished);

  if (opt.interceptors.length > 0) {
    // connect's own server-streaming invocation: the interceptors run now, the request message follows when read.
    const input = new Promise<unknown>((resolve, reject) => {
      settleInput = (error, message) => (error ? reject(error) : resolve(message));
    });
    input.catch(ignore); // an interceptor may answer without reading the request
    const spec = { kind: "server_streaming", method, impl: target } as MethodImplSpec & { kind: "server_streaming" };
    it = transformInvokeImplementation(
      spec,
      ctx.toPlain(),
      opt.interceptors,
    )(one(input) as never)[Symbol.asyncIterator]();
    pull();
  }
  if (timeout.error) {
    // As the general path raises it: after routing, as the error of reading the request.
    if (settleInput) settleInput(timeout.error);
    else fail(timeout.error);
    return;
  }

  collectRequest(stream, opt.readMaxBytes, (over, chunks, total) => {
    if (finished) return;
    let input: unknown;
    try {
      if (over) throw over;
      input = parseRequest(method, chunks, total, opt.readMaxBytes, "server-streaming");
    } catch (e) {
      const error = toConnectError(e);
      if (settleInput) settleInput(error);
      else fail(error);
      return;
    }
    if (settleInput) settleInput(undefined, input);
    else invoke(target, input);
  });
}

function ignore(): void {}

/** The request stream of a server-streaming call: its one message, once read. */
async function* one(message: Promise<unknown>): AsyncIterable<unknown> {
  yield await message;
}
