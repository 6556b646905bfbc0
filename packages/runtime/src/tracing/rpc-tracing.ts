import type {
  Attributes,
  Context,
  Span,
  SpanKind,
  SpanOptions,
  SpanStatusCode,
  TextMapGetter,
  TextMapSetter,
  Tracer,
  TracerProvider,
} from "@opentelemetry/api";
import { codeOf } from "../metrics/rpc-outcome.js";
import { type OtelApiModule, otelApi } from "./otel-api.js";
import { withSpan } from "./span-context.js";

/**
 * The `rpc.system` of a call, after OpenTelemetry's RPC semantic conventions: `grpc` for gRPC over HTTP/2 (then
 * `rpc.grpc.status_code` is set too), `apache_dubbo` for Dubbo's Triple protocol over HTTP (unary POST/GET, SSE).
 */
export type RpcSystem = "grpc" | "apache_dubbo";

/** What a server span is made of: the call, its request headers (for the W3C context) and its connection. */
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
  /**
   * The addresses of the connection the call came on. Pass the same object for every call of one connection: the
   * span attributes made of it are computed once per connection, not per call.
   */
  readonly connection?: ServerConnectionInfo;
}

/** Both ends of a provider's connection, as a server span names them. */
export interface ServerConnectionInfo {
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
  /**
   * The provider this attempt goes to. Pass the same object for every call to one endpoint: the span attributes made
   * of it are computed once per endpoint, not per call.
   */
  readonly endpoint?: ClientEndpointInfo;
}

/** Where a consumer's attempts go, as a client span names it. */
export interface ClientEndpointInfo {
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
  /**
   * call is `bind(fn)(a, b)` without making the bound function: a handler called once per call, in the span (each
   * step of an async iterable it returns too).
   */
  call<A, B, R>(fn: (a: A, b: B) => R, a: A, b: B): R;
  /**
   * Ends the span: the gRPC code (number or name), the error message when it failed. Later calls are ignored, and
   * from then on `run`, `bind` and `call` run what they are given outside any span of this call.
   */
  end(code: number | string, message?: string): void;
}

/** The trace of one attempt of a consumer call: its client span, and the headers that carry it to the provider. */
export interface ClientCallTrace {
  /** Writes `traceparent`, `tracestate` and `baggage` (the registered propagator's headers) with `set`. */
  inject(set: (name: string, value: string) => void): void;
  /**
   * Ends the span with the attempt's gRPC code (number or name) and message. Later calls are ignored, and `inject`
   * writes nothing after it.
   */
  end(code: number | string, message?: string): void;
}

/**
 * RpcTracing is the hook the provider and consumer engines call — next to `RpcMetrics.meter` — to trace calls with
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

/** node:http2's request headers (`IncomingHttpHeaders`): a plain object, a repeated header as an array. */
const nodeHeaderGetter: TextMapGetter<Record<string, unknown>> = {
  get(headers, key) {
    const v = headers[key];
    if (typeof v === "string") return v;
    return Array.isArray(v) ? v.join(",") : undefined;
  },
  keys: (headers) => Object.keys(headers),
};

/** Headers read with the call's own `get` (a Fetch `Headers`, say). */
const infoGetter: TextMapGetter<ServerCallInfo> = {
  get: (info, key) => info.get?.(info.headers, key),
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

// OpenTelemetry's enum values (fixed by the specification), so that nothing here needs the API loaded.
const spanKindServer = 1 as SpanKind; // SpanKind.SERVER
const spanKindClient = 2 as SpanKind; // SpanKind.CLIENT
const statusError = 2 as SpanStatusCode; // SpanStatusCode.ERROR

// gRPC server spans are errors only for the codes that mean the server failed (OpenTelemetry's gRPC conventions);
// a client span is an error for every code but OK.
const serverErrorCodes = new Set([2, 4, 12, 13, 14, 15]);

/**
 * What every span of one method shares, made on its first call: the span name (`service/method`), the `startSpan`
 * options and the method's attributes. A sampler sees the name and what the options carry: the kind and `rpc.system`
 * (which the conventions ask for at creation; the name says service and method). The rest is set on a recording span
 * afterwards: the SDK (3.x) validates and copies attributes given to startSpan twice, one set with setAttributes once
 * (measured: ~1 µs a call less for the seven of a server span). The SDK copies what it is given: one object serves
 * every call.
 */
class MethodSpans {
  readonly system: RpcSystem;
  readonly name: string;
  readonly server: SpanOptions;
  readonly client: SpanOptions;
  /** `rpc.service`, `rpc.method`. */
  readonly attributes: Attributes;

  constructor(system: RpcSystem, service: string, method: string) {
    this.system = system;
    this.name = `${service}/${method}`;
    const atCreation: Attributes = { "rpc.system": system };
    this.server = { kind: spanKindServer, attributes: atCreation };
    this.client = { kind: spanKindClient, attributes: atCreation };
    this.attributes = { "rpc.service": service, "rpc.method": method };
  }
}

// The address attributes of each connection (server spans) and endpoint (client spans), made on its first call.
const addressAttributes = new WeakMap<ServerConnectionInfo | ClientEndpointInfo, Attributes>();

function connectionAttributes(connection: ServerConnectionInfo): Attributes {
  let a = addressAttributes.get(connection);
  if (a === undefined) {
    a = {};
    if (connection.localAddress !== undefined) a["server.address"] = connection.localAddress;
    if (connection.localPort !== undefined) a["server.port"] = connection.localPort;
    if (connection.peerAddress !== undefined) a["network.peer.address"] = connection.peerAddress;
    if (connection.peerPort !== undefined) a["network.peer.port"] = connection.peerPort;
    addressAttributes.set(connection, a);
  }
  return a;
}

function endpointAttributes(endpoint: ClientEndpointInfo): Attributes {
  let a = addressAttributes.get(endpoint);
  if (a === undefined) {
    a = {};
    if (endpoint.serverAddress !== undefined) a["server.address"] = endpoint.serverAddress;
    if (endpoint.serverPort !== undefined) a["server.port"] = endpoint.serverPort;
    addressAttributes.set(endpoint, a);
  }
  return a;
}

/** The MethodSpans of each method by system, service and method name (lookups of strings, nothing built per call). */
function methodSpansCache(): (system: RpcSystem, service: string, method: string) => MethodSpans {
  const bySystem: Record<RpcSystem, Map<string, Map<string, MethodSpans>>> = {
    grpc: new Map(),
    apache_dubbo: new Map(),
  };
  return (system, service, method) => {
    const byService = bySystem[system];
    let byMethod = byService.get(service);
    if (byMethod === undefined) {
      byMethod = new Map();
      byService.set(service, byMethod);
    }
    let spans = byMethod.get(method);
    if (spans === undefined) {
      spans = new MethodSpans(system, service, method);
      byMethod.set(method, spans);
    }
    return spans;
  };
}

/** True when a span neither records nor carries a trace on (no SDK, and no incoming context to pass along). */
function untraced(api: OtelApiModule, span: Span): boolean {
  if (span.isRecording()) return false;
  const sc = span.spanContext();
  return sc === api.INVALID_SPAN_CONTEXT || !api.isSpanContextValid(sc);
}

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
  const tracerOf = (api: OtelApiModule) => {
    tracer ??= (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(tracerName);
    return tracer;
  };
  // The API itself is loaded once something is registered with it (see otelApi): until then every call is untraced.
  const force = options.tracerProvider !== undefined;
  const spansOf = methodSpansCache();
  return {
    startServer(info) {
      const api = otelApi(force);
      if (api === undefined) return untracedCall;
      const active = api.context.active();
      const parent = info.get
        ? api.propagation.extract(active, info, infoGetter)
        : api.propagation.extract(active, info.headers as Record<string, unknown>, nodeHeaderGetter);
      const m = spansOf(info.system, info.service, info.method);
      const span = tracerOf(api).startSpan(m.name, m.server, parent);
      if (untraced(api, span)) return untracedCall;
      if (span.isRecording()) {
        span.setAttributes(m.attributes);
        if (info.connection !== undefined) span.setAttributes(connectionAttributes(info.connection));
      }
      return new TracedCall(api, span, withSpan(api, parent, span), m.system, true);
    },
    startClient(info) {
      const api = otelApi(force);
      if (api === undefined) return untracedCall;
      const active = api.context.active();
      const m = spansOf(info.system, info.service, info.method);
      const span = tracerOf(api).startSpan(m.name, m.client, active);
      if (untraced(api, span)) return untracedCall;
      if (span.isRecording()) {
        span.setAttributes(m.attributes);
        if (info.endpoint !== undefined) span.setAttributes(endpointAttributes(info.endpoint));
      }
      return new TracedCall(api, span, withSpan(api, active, span), m.system, false);
    },
  };
}

/**
 * The trace of one traced call, server or client: its span and the context that has it as the current span. Ends
 * the span once, with the gRPC code and an error status where the conventions call for one, and then lets go of both:
 * the call that holds this trace may have been promoted to V8's old generation while in flight, and until a full GC
 * collects it every young object it still points at — the ended span, its attributes and end time — would be copied
 * by each scavenge and promoted in turn. What runs after the end runs outside the span.
 */
class TracedCall implements ServerCallTrace, ClientCallTrace {
  readonly #api: OtelApiModule;
  readonly #system: RpcSystem;
  readonly #server: boolean;
  // Invariant: both set until `end`, both undefined after it.
  #span: Span | undefined;
  #context: Context | undefined;

  constructor(api: OtelApiModule, span: Span, ctx: Context, system: RpcSystem, server: boolean) {
    this.#api = api;
    this.#span = span;
    this.#context = ctx;
    this.#system = system;
    this.#server = server;
  }

  run<T>(fn: () => T): T {
    const ctx = this.#context;
    return ctx === undefined ? fn() : this.#api.context.with(ctx, fn);
  }

  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const api = this.#api;
    const ctx = this.#context;
    if (ctx === undefined) return fn;
    return (...args: A) => bindIterable(api, api.context.with(ctx, fn, undefined, ...args), ctx);
  }

  call<A, B, R>(fn: (a: A, b: B) => R, a: A, b: B): R {
    const ctx = this.#context;
    if (ctx === undefined) return fn(a, b);
    return bindIterable(this.#api, this.#api.context.with(ctx, fn, undefined, a, b), ctx);
  }

  inject(set: (name: string, value: string) => void): void {
    if (this.#context !== undefined) this.#api.propagation.inject(this.#context, set, callbackSetter);
  }

  end(code: number | string, message?: string): void {
    const span = this.#span;
    if (span === undefined) return;
    this.#span = undefined;
    this.#context = undefined;
    if (span.isRecording()) {
      const value = codeOf(code) ?? 2;
      if (this.#system === "grpc") span.setAttribute("rpc.grpc.status_code", value);
      if (this.#server ? serverErrorCodes.has(value) : value !== 0) {
        span.setAttribute("error.type", String(value));
        span.setStatus(message ? { code: statusError, message } : { code: statusError });
      }
    }
    span.end();
  }
}

/**
 * A streaming handler's output is an async iterable whose body runs when it is pulled — by the engine, outside the
 * handler's context: each step is run inside the span's context instead. A unary handler's promise passes as is.
 */
function bindIterable<R>(api: OtelApiModule, out: R, ctx: Context): R {
  const context = api.context;
  if (out instanceof Promise || out === null || typeof out !== "object" || !(Symbol.asyncIterator in out)) return out;
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

/** The trace of a call nobody traces (no SDK, no incoming context): nothing to run in, no header to add, nothing to end. */
const untracedCall: ServerCallTrace & ClientCallTrace = {
  run: (fn) => fn(),
  bind: (fn) => fn,
  call: (fn, a, b) => fn(a, b),
  inject() {},
  end() {},
};
