import type { Interceptor } from "@connectrpc/connect";
import {
  defaultOf,
  errorMessage,
  type Http1Timeouts,
  type Lifecycle,
  type Logger,
  optionValue,
  type RpcMetrics,
  type RpcTracing,
  validateHttp1Timeouts,
} from "@dubbo-mesh/runtime";
import type { KeepalivePolicy } from "./keepalive.js";
import type { ServerTlsOptions } from "./server-tls.js";

/** Options of `createProvider`. Each has a default; Dubbo's key is named where one exists. */
export interface ProviderOptions {
  /** Port to listen on (`dubbo.protocol.port`). Default 50052; 0 picks a free port. */
  port?: number;
  /** Address to bind (`dubbo.protocol.host`). Default all interfaces. */
  host?: string;
  /**
   * Largest request message accepted, in bytes (`dubbo.protocol.max-message-size`). Default 4 MiB (4194304), as
   * gRPC's default.
   */
  readMaxBytes?: number;
  /**
   * Route a call whose version/group has no exact registration to the unversioned one
   * (`dubbo.tri.resolve-fallback-to-default`). Default true.
   */
  fallbackToDefault?: boolean;
  /** Server interceptors (Dubbo's provider filters), outermost first. Default none. */
  interceptors?: Interceptor[];
  /** Where events go. Default one JSON line per event on stdout. */
  logger?: Logger;
  /**
   * The application's lifecycle, which health reads and the owner drives. Without one the provider creates its own
   * and moves it itself: started once listening, stopping and stopped on `stop`.
   */
  lifecycle?: Lifecycle;
  /** Where calls are counted, e.g. `createDubboMetrics().provider` (`dubbo_provider_*`, QOS `metrics`). Default none. */
  metrics?: RpcMetrics;
  /**
   * Trace calls with OpenTelemetry, e.g. `createRpcTracing()`: a SERVER span per call, child of the request's W3C
   * `traceparent`; the handler runs inside it, so its consumer calls and log lines join the trace. Records only with
   * an SDK registered by the application. Default none.
   */
  tracing?: RpcTracing;
  /** Serve `grpc.health.v1.Health` on the protocol port. Default true. */
  health?: boolean;
  /** Serve `grpc.reflection.v1.ServerReflection` (grpcurl, `dubbo-mesh invoke`). Default true. */
  reflection?: boolean;
  /**
   * Maximum age of an HTTP/2 connection in ms (`dubbo.protocol.max-connection-age`, gRFC A9), ±10% jitter, after
   * which it gets GOAWAY so clients reconnect — and spread over pods behind a ClusterIP. Default 0 = no limit.
   */
  maxConnectionAge?: number;
  /**
   * Grace for the streams of an aged connection before it closes, in ms (`dubbo.protocol.max-connection-age-grace`).
   * Default 10000.
   */
  maxConnectionAgeGrace?: number;
  /**
   * Time an HTTP/1.1 client has to send a request's complete headers, in ms (`dubbo.protocol.headers-timeout`, Node's
   * `headersTimeout`); also the time any new connection has to send its first bytes. Slower clients get 408 and are
   * closed. Default 10000; 0 = no limit.
   */
  headersTimeout?: number;
  /**
   * Time an HTTP/1.1 client has to send a whole request, in ms (`dubbo.protocol.request-timeout`, Node's
   * `requestTimeout`). The response is not limited: a long server-sent-events answer runs on. Default 60000; 0 = no
   * limit. Must not be shorter than `headersTimeout`.
   */
  requestTimeout?: number;
  /**
   * HTTP/2 keepalive (PING a connection silent for `timeMs`, close it without an ACK in `timeoutMs`) and enforcement
   * against ping floods (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), on every HTTP/2 connection
   * (`dubbo.protocol.keepalive-*`, `permit-keepalive-*`, `max-ping-strikes`; see `KeepalivePolicy`). Default
   * `defaultKeepalivePolicy`; fields not given keep their default.
   */
  keepalive?: Partial<KeepalivePolicy>;
  /**
   * TLS on the protocol port (`dubbo.ssl.server-*`): with a certificate chain and key the port serves TLS only (HTTP/2
   * and HTTP/1.1 by ALPN), with a trust collection it requires client certificates (mTLS); files are reloaded when
   * they change. Bad files stop `start` with an error naming the key, the file and the problem. QOS stays cleartext.
   * Default none: cleartext.
   */
  tls?: ServerTlsOptions;
  /**
   * Calls in progress the provider serves at once (`dubbo.provider.executes`), from a call's arrival to its end, over
   * every connection and protocol; a call beyond it is refused at once, unread — RST_STREAM REFUSED_STREAM on
   * HTTP/2 (UNAVAILABLE to gRPC clients, safe to retry elsewhere), 503 with Retry-After on HTTP/1.1 — and counted in
   * `dubbo_provider_requests_limit_total`. Health checks and reflection are never refused nor counted. Default 1000;
   * 0 = no limit.
   */
  executes?: number;
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS of every HTTP/2 connection (`dubbo.protocol.triple.max-concurrent-streams`): a
   * client waits (or opens another connection, as Envoy does) rather than open more; a stream beyond it is reset
   * (RFC 9113 §5.1.2). Default 100, RFC 9113's recommended minimum; at least 1.
   */
  maxConcurrentStreams?: number;
  /**
   * RST_STREAM frames a client may send per second on one HTTP/2 connection
   * (`dubbo.protocol.triple.max-stream-resets-per-second`), with bursts of ten times that; a client past it gets
   * GOAWAY INTERNAL_ERROR and its connection closed — the defence against HTTP/2 "rapid reset" floods
   * (CVE-2023-44487). Every cancelled call and expired deadline is a reset, so Node's own limit (a burst of 1000,
   * then 33 per second) cut off healthy consumers that cancel a lot: a soak at ~60 cancels per second on one
   * connection lost it, and every call on it, after about 80 s. Default 1000; at least 1.
   */
  maxStreamResetsPerSecond?: number;
  /** Connections the port holds at once (`dubbo.protocol.accepts`); more are closed on arrival. Default 0 = no limit. */
  accepts?: number;
}

/** `ProviderOptions` checked, with every default filled in: what `createProvider` runs on. */
export interface ValidProviderOptions {
  readonly port: number;
  readonly host: string | undefined;
  readonly readMaxBytes: number;
  readonly fallbackToDefault: boolean;
  readonly interceptors: Interceptor[];
  readonly logger: Logger | undefined;
  readonly lifecycle: Lifecycle | undefined;
  readonly metrics: RpcMetrics | undefined;
  readonly tracing: RpcTracing | undefined;
  readonly health: boolean;
  readonly reflection: boolean;
  readonly maxConnectionAge: number;
  readonly maxConnectionAgeGrace: number;
  readonly http1: Http1Timeouts;
  readonly keepalive: KeepalivePolicy;
  readonly tls: ServerTlsOptions | undefined;
  readonly executes: number;
  readonly maxConcurrentStreams: number;
  readonly maxStreamResetsPerSecond: number;
  readonly accepts: number;
}

/** The grace of `Provider.stop` when none is given, in ms (`dubbo.service.shutdown.wait`). */
export const defaultStopGraceMs: number = defaultOf("dubbo.service.shutdown.wait");

/**
 * Checks the options of `createProvider` and fills in the defaults — those of the Dubbo keys in the config schema, so
 * code and config cannot disagree. A bad value throws, naming the option, its key and the value:
 * `readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got -1`.
 */
export function validateProviderOptions(options: ProviderOptions): ValidProviderOptions {
  return {
    port: optionValue("port", "dubbo.protocol.port", options.port),
    host: optionValue("host", "dubbo.protocol.host", options.host),
    readMaxBytes: optionValue("readMaxBytes", "dubbo.protocol.max-message-size", options.readMaxBytes),
    fallbackToDefault: optionValue(
      "fallbackToDefault",
      "dubbo.tri.resolve-fallback-to-default",
      options.fallbackToDefault,
    ),
    interceptors: options.interceptors ?? [],
    logger: options.logger,
    lifecycle: options.lifecycle,
    metrics: options.metrics,
    tracing: options.tracing,
    health: options.health ?? true,
    reflection: options.reflection ?? true,
    maxConnectionAge: optionValue("maxConnectionAge", "dubbo.protocol.max-connection-age", options.maxConnectionAge),
    maxConnectionAgeGrace: optionValue(
      "maxConnectionAgeGrace",
      "dubbo.protocol.max-connection-age-grace",
      options.maxConnectionAgeGrace,
    ),
    http1: http1Timeouts(options),
    keepalive: keepalivePolicy(options.keepalive ?? {}),
    tls: options.tls,
    executes: optionValue("executes", "dubbo.provider.executes", options.executes),
    maxConcurrentStreams: optionValue(
      "maxConcurrentStreams",
      "dubbo.protocol.triple.max-concurrent-streams",
      options.maxConcurrentStreams,
    ),
    maxStreamResetsPerSecond: optionValue(
      "maxStreamResetsPerSecond",
      "dubbo.protocol.triple.max-stream-resets-per-second",
      options.maxStreamResetsPerSecond,
    ),
    accepts: optionValue("accepts", "dubbo.protocol.accepts", options.accepts),
  };
}

/** The keepalive policy of the options: each field checked against its key, or the key's default. */
function keepalivePolicy(keepalive: Partial<KeepalivePolicy>): KeepalivePolicy {
  return {
    timeMs: optionValue("keepalive.timeMs", "dubbo.protocol.keepalive-time", keepalive.timeMs),
    timeoutMs: optionValue("keepalive.timeoutMs", "dubbo.protocol.keepalive-timeout", keepalive.timeoutMs),
    permitTimeMs: optionValue("keepalive.permitTimeMs", "dubbo.protocol.permit-keepalive-time", keepalive.permitTimeMs),
    permitWithoutCalls: optionValue(
      "keepalive.permitWithoutCalls",
      "dubbo.protocol.permit-keepalive-without-calls",
      keepalive.permitWithoutCalls,
    ),
    maxPingStrikes: optionValue(
      "keepalive.maxPingStrikes",
      "dubbo.protocol.max-ping-strikes",
      keepalive.maxPingStrikes,
    ),
  };
}

/** The HTTP/1.1 limits of the options, each checked against its key, then as a pair (headers within the request). */
function http1Timeouts(options: ProviderOptions): Http1Timeouts {
  const timeouts = {
    headersTimeout: optionValue("headersTimeout", "dubbo.protocol.headers-timeout", options.headersTimeout),
    requestTimeout: optionValue("requestTimeout", "dubbo.protocol.request-timeout", options.requestTimeout),
  };
  try {
    return validateHttp1Timeouts(timeouts);
  } catch (e) {
    throw new Error(
      `dubbo.protocol.headers-timeout ${timeouts.headersTimeout} / dubbo.protocol.request-timeout ` +
        `${timeouts.requestTimeout}: ${errorMessage(e)}`,
    );
  }
}
