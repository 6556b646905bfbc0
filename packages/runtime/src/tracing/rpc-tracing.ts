import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { codeOf } from "../metrics/rpc-outcome.js";

/**
 * The `rpc.system` of a call, after OpenTelemetry's RPC semantic conventions: `grpc` for gRPC over HTTP/2 (then
 * `rpc.grpc.status_code` is set too), `apache_dubbo` for Dubbo's Triple protocol over HTTP (unary POST/GET, SSE).
 */
export type RpcSystem = "grpc" | "apache_dubbo";

/** What a server span is made of: the call, its request headers (for the W3C context) and the two addresses. */
export interface ServerCallInfo {
  readonly system: RpcSystem;
  /** Fully-qualified service name (`rpc.service`), e.g. `greet.v1.GreeterService`. */
  readonly service: string;
  /** Method name (`rpc.method`), e.g. `Greet`. */
  readonly method: string;
  /** The request headers, read with `get` (node:http2's header object, or a Fetch `Headers`). */
  readonly headers: unknown;
  /** How to read one header of `headers`; default a plain object lookup (node's `IncomingHttpHeaders`). */
  readonly get?: (headers: unknown, name: string) => string | undefined;
  /** The caller's address and port (`network.peer.address`, `network.peer.port`). */
  readonly peerAddress?: string;
  readonly peerPort?: number;
  /** This provider's address and port (`server.address`, `server.port`). */
  readonly localAddress?: string;
  readonly localPort?: number;
}

/** What a client span is made of: the call and where this attempt goes. */
export interface ClientCallInfo {
  readonly system: RpcSystem;
  readonly service: string;
  readonly method: string;
  /** The provider's host and port (`server.address`, `server.port`). */
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

/**
 * The trace of one call a provider serves. `run` runs the handler inside the call's server span, so what the handler
 * does — a consumer call, a log line — sees the span as current; `end` ends it once with the call's status.
 */
export interface ServerCallTrace {
  /** Calls `fn` with the server span as the active context (OpenTelemetry's `context.with`). */
  run<T>(fn: () => T): T;
  /** bind returns `fn` running inside the span (and, for a streaming handler's output, each step of it). */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** Ends the span: the gRPC code (number or name), the error message when it failed. Later calls are ignored. */
  end(code: number | string, message?: string): void;
}

/** The trace of one attempt of a consumer call: its client span, and the headers that carry it to the provider. */
export interface ClientCallTrace {
  /** Writes `traceparent`, `tracestate` and `baggage` (the registered propagator's headers) with `set`. */
  inject(set: (name: string, value: string) => void): void;
  /** Ends the span with the attempt's gRPC code (number or name) and message. Later calls are ignored. */
  end(code: number | string, message?: string): void;
}

/**
 * RpcTracing is the hook the provider and consumer engines call — next to `recordStart` — to trace calls with
 * OpenTelemetry: a SERVER span per call served, a CLIENT span per attempt made, W3C trace context and baggage carried
 * in request headers, following OpenTelemetry's RPC semantic conventions. It uses only `@opentelemetry/api`: the
 * application registers an SDK (tracer provider, context manager, propagator) or nothing, and then every call costs
 * a non-recording span and nothing is sent.
 */
export interface RpcTracing {
  startServer(info: ServerCallInfo): ServerCallTrace;
  /** Starts an attempt's client span, a child of the active context (a handler's server span, when called in one). */
  startClient(info: ClientCallInfo): ClientCallTrace;
}

/** Options of `createRpcTracing`. */
export interface RpcTracingOptions {
  /** The tracer provider. Default the global one (`trace.getTracerProvider()`), which an SDK's `register()` sets. */
  tracerProvider?: TracerProvider;
}

/** The instrumentation scope of the spans. */
export const tracerName = "@dubbo-mesh/runtime";

const headerGetter: TextMapGetter<ServerCallInfo> = {
  get(info, key) {
    const v = info.get ? info.get(info.headers, key) : (info.headers as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v.join(",");
    return typeof v === "string" ? v : undefined;
  },
  keys(info) {
    const h = info.headers;
    if (h instanceof Headers) return [...h.keys()];
    return Object.keys(h as object);
  },
};

const callbackSetter: TextMapSetter<(name: string, value: string) => void> = {
  set(set, key, value) {
    set(key, value);
  },
};

// gRPC server spans are errors only for the codes that mean the server failed (OpenTelemetry's gRPC conventions);
// a client span is an error for every code but OK.
const serverErrorCodes = new Set([2, 4, 12, 13, 14, 15]);

/**
 * createRpcTracing returns the tracing hook; see RpcTracing.
 *
 * @example
 * const tracing = createRpcTracing();
 * const provider = createProvider({ tracing }); // and an OpenTelemetry SDK registered by the application
 */
export function createRpcTracing(options: RpcTracingOptions = {}): RpcTracing {
  let tracer: Tracer | undefined;
  // A ProxyTracer from the global provider follows an SDK registered later; looked up on first use.
  const tracerOf = () => {
    tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(tracerName);
    return tracer;
  };
  return {
    startServer(info) {
      const parent = propagation.extract(context.active(), info, headerGetter);
      const span = tracerOf().startSpan(`${info.service}/${info.method}`, { kind: SpanKind.SERVER }, parent);
      if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return untracedServerCall;
      if (span.isRecording()) span.setAttributes(serverAttributes(info));
      return new TracedServerCall(span, trace.setSpan(parent, span), info.system);
    },
    startClient(info) {
      const active = context.active();
      const span = tracerOf().startSpan(`${info.service}/${info.method}`, { kind: SpanKind.CLIENT }, active);
      if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return untracedClientCall;
      if (span.isRecording()) span.setAttributes(clientAttributes(info));
      return new TracedClientCall(span, trace.setSpan(active, span), info.system);
    },
  };
}

function serverAttributes(info: ServerCallInfo): Attributes {
  const a: Attributes = { "rpc.system": info.system, "rpc.service": info.service, "rpc.method": info.method };
  if (info.localAddress !== undefined) a["server.address"] = info.localAddress;
  if (info.localPort !== undefined) a["server.port"] = info.localPort;
  if (info.peerAddress !== undefined) a["network.peer.address"] = info.peerAddress;
  if (info.peerPort !== undefined) a["network.peer.port"] = info.peerPort;
  return a;
}

function clientAttributes(info: ClientCallInfo): Attributes {
  const a: Attributes = { "rpc.system": info.system, "rpc.service": info.service, "rpc.method": info.method };
  if (info.serverAddress !== undefined) a["server.address"] = info.serverAddress;
  if (info.serverPort !== undefined) a["server.port"] = info.serverPort;
  return a;
}

/** Records a call's end on its span: the gRPC code, and an error status where the conventions call for one. */
function endSpan(span: Span, system: RpcSystem, code: number | string, message: string | undefined, server: boolean) {
  const value = codeOf(code) ?? 2;
  if (span.isRecording()) {
    if (system === "grpc") span.setAttribute("rpc.grpc.status_code", value);
    const failed = server ? serverErrorCodes.has(value) : value !== 0;
    if (failed) {
      span.setAttribute("error.type", String(value));
      span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
    }
  }
  span.end();
}

class TracedServerCall implements ServerCallTrace {
  readonly #span: Span;
  readonly #context: Context;
  readonly #system: RpcSystem;
  #ended = false;

  constructor(span: Span, ctx: Context, system: RpcSystem) {
    this.#span = span;
    this.#context = ctx;
    this.#system = system;
  }

  run<T>(fn: () => T): T {
    return context.with(this.#context, fn);
  }

  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const ctx = this.#context;
    return (...args: A) => {
      const out = context.with(ctx, () => fn(...args));
      return bindIterable(out, ctx);
    };
  }

  end(code: number | string, message?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    endSpan(this.#span, this.#system, code, message, true);
  }
}

class TracedClientCall implements ClientCallTrace {
  readonly #span: Span;
  readonly #context: Context;
  readonly #system: RpcSystem;
  #ended = false;

  constructor(span: Span, ctx: Context, system: RpcSystem) {
    this.#span = span;
    this.#context = ctx;
    this.#system = system;
  }

  inject(set: (name: string, value: string) => void): void {
    propagation.inject(this.#context, set, callbackSetter);
  }

  end(code: number | string, message?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    endSpan(this.#span, this.#system, code, message, false);
  }
}

/**
 * A streaming handler's output is an async iterable whose body runs when it is pulled — by the engine, outside the
 * handler's context: each step is run inside the span's context instead.
 */
function bindIterable<R>(out: R, ctx: Context): R {
  if (out === null || typeof out !== "object" || !(Symbol.asyncIterator in out)) return out;
  const iterable = out as AsyncIterable<unknown>;
  return {
    [Symbol.asyncIterator]() {
      const it = context.with(ctx, () => iterable[Symbol.asyncIterator]());
      return {
        next: (v?: unknown) => context.with(ctx, () => it.next(v)),
        return: (v?: unknown) => context.with(ctx, () => it.return?.(v) ?? Promise.resolve({ done: true, value: v })),
        throw: (e?: unknown) => context.with(ctx, () => it.throw?.(e) ?? Promise.reject(e)),
      };
    },
  } as R;
}

/** The trace of a call nobody traces (no SDK, no incoming context): nothing to run in, nothing to end. */
const untracedServerCall: ServerCallTrace = {
  run: (fn) => fn(),
  bind: (fn) => fn,
  end() {},
};

/** The trace of an attempt nobody traces: no headers to add, nothing to end. */
const untracedClientCall: ClientCallTrace = {
  inject() {},
  end() {},
};
