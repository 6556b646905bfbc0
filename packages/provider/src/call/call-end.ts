import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { RpcFailureKind, RpcMeter, ServerCallTrace } from "@dubbo-mesh/runtime";
import type { CallInfo } from "../call-info.js";
import type { BoundMethod } from "../dispatch.js";
import { CallContext, type ContextSource, type RequestHeaders } from "./call-context.js";

/** Calls in progress on one serving path, ended together when the provider shuts down. */
export type ActiveCalls = Set<{ cancel(error: ConnectError): void }>;

/**
 * Creates the set of calls in progress of a serving path: when `shutdownSignal` aborts (the provider's drain is
 * over), every call still in it is cancelled, CANCELLED "the provider is shutting down".
 */
export function createActiveCalls(shutdownSignal: AbortSignal): ActiveCalls {
  const active: ActiveCalls = new Set();
  shutdownSignal.addEventListener(
    "abort",
    () => {
      const error = new ConnectError("operation was aborted: the provider is shutting down", Code.Canceled);
      for (const call of [...active]) call.cancel(error);
    },
    { once: true },
  );
  return active;
}

/** The errors of request messages that could not be decoded: unparsable bytes or JSON, or a body that did not inflate. */
const undecodable = new WeakSet<ConnectError>();

/**
 * Marks a request message's decoding error (unparsable protobuf or JSON, a body that does not inflate) as Dubbo's
 * codec failure (SERIALIZATION_EXCEPTION) and returns it: a call that ends with it counts as `codec`, also when its
 * handler got it from its input and rethrew it. Only a ConnectError is marked, and not RESOURCE_EXHAUSTED: a message
 * over the size limit stays a limit.
 */
export function markUndecodable<E>(error: E): E {
  if (error instanceof ConnectError && error.code !== Code.ResourceExhausted) undecodable.add(error);
  return error;
}

/** How a call started: what every serving path knows before the handler runs. */
export interface CallStart {
  /** `HandlerContext.protocolName`: "grpc" or "triple". */
  readonly protocolName: string;
  readonly method: DescMethod;
  readonly headers: RequestHeaders;
  /** The deadline from the request's timeout header, in ms from now; undefined = none. */
  readonly timeoutMs: number | undefined;
  readonly active: ActiveCalls;
  /** The call's series in the metrics (`RpcMetrics.meter`), started when the call is and ended once with it. */
  readonly meter: RpcMeter | undefined;
  /** The call's server span (OpenTelemetry), when tracing is on. */
  readonly trace: ServerCallTrace | undefined;
}

/**
 * The part of a provider call that does not depend on its wire, shared by every serving path (the gRPC engine on
 * HTTP/2 streams, Triple HTTP unary on node:http): the one place that decides how a call ends. It ends exactly once —
 * by the handler's answer, by an error (`fail`), at its deadline, when the client goes away, or when the provider
 * shuts down (`cancel`) — and ending it records the metrics once, ends the span, aborts the handler's signal (success
 * included, as connect does: the reason is the call's error, or CANCELLED "the call has ended") and runs the serving
 * path's own clean-up (`onEnd`). A subclass writes the answer in its wire's form (`respondUnary`, `finish`); `Body` is
 * what its serialized messages are (bytes, or JSON text for Triple's JSON).
 */
export abstract class CallEnd<Body = Uint8Array> implements ContextSource {
  readonly method: DescMethod;
  readonly headers: RequestHeaders;
  readonly context: CallContext;
  /** The call's server span (OpenTelemetry), when tracing is on; the handler runs in it (`trace.bind`). */
  readonly trace: ServerCallTrace | undefined;
  /** Set by the serving path: clean-up when the call ends (the error, or undefined on success). */
  onEnd: ((error: ConnectError | undefined) => void) | undefined;
  readonly protocolName: string;
  readonly #active: ActiveCalls;
  readonly #deadline: number | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #meter: RpcMeter | undefined;
  /** When the call started, on the meter's clock (0 without metrics). */
  readonly #startedAt: number;
  // Invariant: `#ended` once the call's end was decided (nothing after it changes the outcome).
  #ended = false;
  #controller: AbortController | undefined;
  #abortReason: ConnectError | undefined;
  /** How the metrics count the failure, when the code alone does not say (see `fail`). */
  #failureKind: RpcFailureKind | undefined;

  constructor(start: CallStart) {
    this.protocolName = start.protocolName;
    this.method = start.method;
    this.headers = start.headers;
    this.#active = start.active;
    this.#meter = start.meter;
    this.#startedAt = start.meter ? start.meter.start() : 0;
    this.trace = start.trace;
    this.context = new CallContext(this);
    start.active.add(this);
    const timeoutMs = start.timeoutMs;
    if (timeoutMs !== undefined) {
      this.#deadline = Date.now() + timeoutMs;
      this.#timer = setTimeout(() => this.finish(deadlineExceeded()), timeoutMs);
    }
  }

  /** True once the call's end is decided. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The handler's signal; built on first read, aborted when the call ends. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#abortReason ?? callEnded());
    }
    return this.#controller.signal;
  }

  /** How a failed call was counted: "business" when the handler threw something that is no RPC error. */
  get failureKind(): RpcFailureKind | undefined {
    return this.#failureKind;
  }

  /**
   * Calls the handler with the call's input and context — inside the call's server span when traced (each step of a
   * streaming handler's output too) — and returns what it returns.
   */
  invoke(target: BoundMethod, input: unknown): unknown {
    return this.trace ? this.trace.call(target, input, this.context) : target(input, this.context);
  }

  /** The handler as connect's interceptor chain calls it: running inside the call's server span when traced. */
  implOf(target: BoundMethod): BoundMethod {
    return this.trace ? this.trace.bind(target) : target;
  }

  timeoutMs(): number | undefined {
    return this.#deadline === undefined ? undefined : this.#deadline - Date.now();
  }

  abstract url(): string;
  abstract callInfo(): CallInfo;

  /** Answers a call with its one response message (serialized: `Body`), on success. */
  abstract respondUnary(message: Body): void;

  /** Ends the call: OK after its messages, or with the error; the subclass writes it in its wire's form. */
  abstract finish(error: ConnectError | undefined): void;

  /**
   * Ends the call with an error: a thrown value as the client gets it (a ConnectError as is, INTERNAL otherwise).
   * `kind` tells the metrics what failed when the code does not (`codec`: a message did not serialize or parse); a
   * request message that could not be decoded (`markUndecodable`) counts as `codec` without it, and a thrown value
   * that is no ConnectError, by default, is the handler's own failure — Dubbo's business failure.
   */
  fail(e: unknown, kind?: RpcFailureKind): void {
    if (this.#ended) return;
    const error = toCallError(e, this.#controller?.signal);
    this.#failureKind =
      kind ??
      (undecodable.has(error) ? "codec" : undefined) ??
      (e === error.cause && !(e instanceof ConnectError) ? "business" : undefined);
    this.finish(error);
  }

  /** Ends the call from outside (provider shutdown) with the given error. */
  cancel(error: ConnectError): void {
    this.finish(error);
  }

  /**
   * Decides the end (for `finish`, `respondUnary`, or a client that went away): returns false if it was decided
   * before, and nothing changes.
   */
  protected decideEnd(error: ConnectError | undefined): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#active.delete(this);
    this.#meter?.end(this.#startedAt, error ? error.code : 0, this.#failureKind);
    this.trace?.end(error ? error.code : 0, error?.rawMessage);
    this.#abortReason = error;
    this.#controller?.abort(error ?? callEnded());
    this.onEnd?.(error);
    return true;
  }
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

function callEnded(): ConnectError {
  return new ConnectError("the call has ended", Code.Canceled);
}

/**
 * The error a failed call answers with: a ConnectError as thrown; the call's own end (deadline, cancel) when a
 * handler rethrows what its signal said; INTERNAL for anything else, with nothing of the thrown value leaking.
 */
function toCallError(e: unknown, signal: AbortSignal | undefined): ConnectError {
  if (e instanceof ConnectError) return e;
  if (signal?.aborted && signal.reason instanceof ConnectError) return signal.reason;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}
