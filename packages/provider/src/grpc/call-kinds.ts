import type { Interceptor, MethodImplSpec } from "@connectrpc/connect";
import { transformInvokeImplementation } from "@connectrpc/connect/protocol";
import type { grpc } from "@dubbo-mesh/protocol";
import { answerUnary, invokeUnary } from "../call/invoke-unary.js";
import type { BoundMethod } from "../dispatch.js";
import { InputQueue } from "./input-queue.js";
import { RequestReader, SingleMessageSink, type SingleRequestKind } from "./request-reader.js";
import type { ServerCall } from "./server-call.js";

/** What a call kind needs besides the call: the handler, the interceptors, the read limit and the codecs. */
export interface CallPlan {
  readonly target: BoundMethod;
  readonly interceptors: Interceptor[];
  readonly readMaxBytes: number;
  readonly input: grpc.Codec;
  readonly output: grpc.Codec;
}

/**
 * Serves a call by its method's kind. Every kind reads with a `RequestReader` and ends through the `ServerCall`;
 * they differ only in how the handler takes its input (one message, or an `InputQueue`) and gives its output (one
 * message, or an async iterable pumped by `pumpOutput`). Interceptors run through connect's own
 * `invokeUnaryImplementation` / `transformInvokeImplementation`; without interceptors the handler is called directly.
 */
export function serveCall(call: ServerCall, plan: CallPlan): void {
  const kind = call.method.methodKind;
  if (kind === "unary") serveUnary(call, plan);
  else if (kind === "server_streaming" && plan.interceptors.length === 0) serveServerStreaming(call, plan);
  else serveWithInputStream(call, plan);
}

/** The sink of a call kind with one request message: the call it serves and its plan; a bad request fails the call. */
abstract class CallSink extends SingleMessageSink {
  protected readonly call: ServerCall;
  protected readonly plan: CallPlan;

  constructor(kind: SingleRequestKind, call: ServerCall, plan: CallPlan) {
    super(kind);
    this.call = call;
    this.plan = plan;
  }

  fail(e: unknown): void {
    this.call.fail(e);
  }
}

/**
 * Unary: the request read whole, then the handler (see `invokeUnary`). One object per call is the request's sink;
 * the reader stops with the call (`ServerCall.reader`).
 */
class UnaryServing extends CallSink {
  constructor(call: ServerCall, plan: CallPlan) {
    super("unary", call, plan);
  }

  protected ready(input: unknown): void {
    invokeUnary(this.call, this.plan, input);
  }
}

function serveUnary(call: ServerCall, plan: CallPlan): void {
  call.reader = new RequestReader(
    call.stream,
    plan.readMaxBytes,
    call.encoding,
    plan.input.parse,
    new UnaryServing(call, plan),
  );
}

/** Server streaming without interceptors: the request read whole, then the handler's messages pumped out. */
class ServerStreamServing extends CallSink {
  constructor(call: ServerCall, plan: CallPlan) {
    super("server-streaming", call, plan);
  }

  protected ready(input: unknown): void {
    const call = this.call;
    if (call.ended) return;
    let it: AsyncIterator<unknown>;
    try {
      it = (call.invoke(this.plan.target, input) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } catch (e) {
      call.fail(e);
      return;
    }
    // Stopped when the call ends (after the reader).
    call.onEnd = pumpOutput(call, this.plan, it);
  }
}

function serveServerStreaming(call: ServerCall, plan: CallPlan): void {
  call.reader = new RequestReader(
    call.stream,
    plan.readMaxBytes,
    call.encoding,
    plan.input.parse,
    new ServerStreamServing(call, plan),
  );
}

/**
 * Client streaming, bidi, and server streaming under interceptors: the handler (or connect's interceptor chain) gets
 * the request messages as an `InputQueue` at once — a bad request reaches it as the error of its next read — and its
 * output is pumped out as it comes.
 */
function serveWithInputStream(call: ServerCall, plan: CallPlan): void {
  let queue: InputQueue<unknown> | undefined;
  const reader = new RequestReader(call.stream, plan.readMaxBytes, call.encoding, plan.input.parse, {
    message: (m) => queue?.push(m),
    end: () => queue?.end(),
    error: (e) => {
      queue?.fail(e);
      // The handler sees the error on its next read; one that does not read still ends now (after it had its turn).
      setImmediate(() => call.fail(e));
    },
  });
  queue = new InputQueue(reader);
  const input = queue;
  let stopOutput: (() => void) | undefined;
  call.onEnd = (error) => {
    reader.stop();
    if (error) input.fail(error);
    else input.end();
    stopOutput?.();
  };
  const kind = call.method.methodKind;
  if (plan.interceptors.length > 0) {
    const spec = { kind, method: call.method, impl: call.implOf(plan.target) } as MethodImplSpec;
    let out: AsyncIterator<unknown>;
    try {
      out = transformInvokeImplementation(
        spec,
        call.context.toPlain(),
        plan.interceptors,
      )(input as never)[Symbol.asyncIterator]();
    } catch (e) {
      call.fail(e);
      return;
    }
    stopOutput = pumpOutput(call, plan, out);
    return;
  }
  let result: unknown;
  try {
    result = call.invoke(plan.target, input);
  } catch (e) {
    call.fail(e);
    return;
  }
  if (kind === "client_streaming") {
    Promise.resolve(result).then(
      (out) => answerUnary(call, plan, out),
      (e: unknown) => call.fail(e),
    );
    return;
  }
  let it: AsyncIterator<unknown>;
  try {
    it = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  } catch (e) {
    call.fail(e);
    return;
  }
  stopOutput = pumpOutput(call, plan, it);
}

/**
 * Pulls a handler's response messages one at a time and sends each; when the stream's buffer is full the next one is
 * pulled only after 'drain', so a client that does not read holds the handler back instead of filling memory. The
 * iterator's end finishes the call OK, its error with that error. Returns the function that stops the iterator
 * (`return()`) when the call ends first — at once if no `next()` is pending, else when it settles.
 */
export function pumpOutput(call: ServerCall, plan: CallPlan, it: AsyncIterator<unknown>): () => void {
  // Invariants: `pulling` while a next() is pending; `exhausted` once the iterator ended, threw, or was told to return.
  let pulling = false;
  let exhausted = false;
  const stop = () => {
    if (exhausted || pulling) return;
    exhausted = true;
    try {
      Promise.resolve(it.return?.()).catch(ignore);
    } catch {
      // A return() that throws has stopped all the same; nobody is left to tell.
    }
  };
  const onNext = (r: IteratorResult<unknown>) => {
    pulling = false;
    if (call.ended) return stop();
    if (r.done) {
      exhausted = true;
      return call.finish(undefined);
    }
    let bytes: Uint8Array;
    try {
      bytes = plan.output.serialize(r.value);
    } catch (e) {
      return call.fail(e, "codec");
    }
    const wait = call.send(bytes);
    if (wait) wait.then(pull, pull);
    else pull();
  };
  const onError = (e: unknown) => {
    pulling = false;
    exhausted = true;
    call.fail(e);
  };
  const pull = () => {
    if (call.ended) return stop();
    pulling = true;
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = it.next();
    } catch (e) {
      return onError(e);
    }
    next.then(onNext, onError);
  };
  pull();
  return stop;
}

function ignore(): void {}
