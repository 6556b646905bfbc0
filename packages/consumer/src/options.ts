import type { Interceptor } from "@connectrpc/connect";
import {
  booleanValue,
  checkedOption,
  defaultOf,
  durationValue,
  type Logger,
  nonNegativeIntegerValue,
  optionValue,
  positiveDurationValue,
  type RpcMetrics,
  type RpcTracing,
} from "@dubbo-mesh/runtime";
import { type BackoffOptions, defaultBackoff } from "./backoff.js";
import type { EndpointChange } from "./balancing/cluster.js";
import type { OutlierDetectionOptions } from "./balancing/outlier-detection.js";
import type { BalancerFactory } from "./balancing/picker.js";
import type { ResolverFactory } from "./balancing/resolver-registry.js";
import type { ClientTlsOptions } from "./client-tls.js";
import type { DnsOptions } from "./dns-lookup.js";
import type { IdempotentOption } from "./idempotency.js";
import type { KeepaliveOptions } from "./keepalive.js";
import type { Env } from "./mesh-address.js";

/** Options of `createConsumer`, shared by all its references. Dubbo's key for each is given in parentheses. */
export interface ConsumerOptions {
  /** This application's name, sent as `tri-consumer-appname` (`dubbo.application.name`). Default none. */
  application?: string;
  /**
   * Where calls are counted, once per call (not per attempt), e.g. `createDubboMetrics().consumer`
   * (`dubbo_consumer_*`, QOS `metrics`). Default none.
   */
  metrics?: RpcMetrics;
  /**
   * Trace calls with OpenTelemetry (`createRpcTracing()`): a CLIENT span per attempt, child of the active context, its
   * W3C `traceparent`/`tracestate`/`baggage` sent as request headers. Needs an SDK registered by the application to
   * record anything. Default none.
   */
  tracing?: RpcTracing;
  /** Deadline of calls that set none, in ms (`dubbo.consumer.timeout`). Default 1000, as Dubbo. 0 = no deadline. */
  timeout?: number;
  /**
   * How many times a failed unary call is tried again (`dubbo.consumer.retries`). Default 2, as Dubbo: at most three
   * attempts, all within the call's deadline. Only failures that cannot have reached the provider's handler are
   * retried, unless the method is idempotent (see `ReferenceOptions.idempotent`). With client-side balancing a retry
   * goes to another endpoint than the call's earlier attempts while one is in rotation (Envoy's `previous_hosts`).
   */
  retries?: number;
  /**
   * Whether the first attempt a provider refused unprocessed (RST_STREAM REFUSED_STREAM, a GOAWAY that did not take
   * its stream, a 503 from admission control) is tried once more at once, whatever `retries` says — gRPC's transparent
   * retry (gRFC A6), which grpc-js does too unless `grpc.enable_retries` is 0. Safe, as the provider said it did not
   * run the call; turn it off only behind a proxy that claims "refused" for calls it had forwarded (HAProxy 2.6 answers
   * REFUSED_STREAM for the streams of a server connection that died under them). Default true.
   */
  transparentRetry?: boolean;
  /**
   * Mesh mode (`dubbo.consumer.mesh-enable`): every reference must name its provider with `providedBy` (or give a
   * `url`) and use the Triple protocol ("grpc" or "triple"); `reference()` throws otherwise. Default false.
   */
  meshEnable?: boolean;
  /** Where `POD_NAMESPACE` and `CLUSTER_DOMAIN` are read from for mesh addresses. Default `process.env`. */
  env?: Env;
  /**
   * Resolve host names with these DNS servers (a `node:dns` Resolver; A records, then AAAA) instead of the system
   * resolver. Default: the system resolver.
   */
  dns?: DnsOptions;
  /** Waits between retries. Default exponential backoff with full jitter: base 25 ms, factor 2, cap 1000 ms. */
  backoff?: Partial<BackoffOptions>;
  /**
   * Client interceptors (Dubbo's consumer filters) for every reference, outermost first. They run once per attempt,
   * so a retried call passes through them again.
   */
  interceptors?: Interceptor[];
  /**
   * Who balances the calls of a `providedBy` reference over the provider's instances:
   * - "mesh" (default, as Dubbo's mesh mode): one connection to the Service name; a sidecar (Envoy/Istio) or
   *   kube-proxy picks the pod — kube-proxy per connection, not per call.
   * - "client" (proxyless): the name is resolved with DNS to every instance — a headless Service (`clusterIP: None`)
   *   has one A/AAAA record per ready pod — and the consumer keeps a connection to each, watches each one's health
   *   and balances every call (`loadBalancer`), as gRPC does for a `dns:///` target.
   * A reference's `url` decides for itself (see `ReferenceOptions.url`). Overridden by `ReferenceOptions.balancing`.
   * Client balancing keeps a health Watch stream open to every endpoint: `close()` the consumer when done with it.
   */
  balancing?: "mesh" | "client";
  /**
   * The balancer of client-balanced references by name: "round_robin" (default) or "least_request" (power of two
   * choices over calls in flight), or one added with `balancers`. gRPC's `loadBalancingConfig`, Dubbo's
   * `loadbalance` (whose names `roundrobin` and `p2c` are accepted too). Overridden by `ReferenceOptions.loadBalancer`.
   */
  loadBalancer?: string;
  /** More balancers by name, for this consumer only (they may replace the built-in ones). */
  balancers?: Record<string, BalancerFactory>;
  /**
   * Resolvers by scheme, for this consumer only, replacing the built-in ones of the same scheme: "dns" (a `dns:`
   * target or a client-balanced `providedBy`: every A/AAAA record) and "static" (a `url` of one host or a list).
   */
  resolvers?: Record<string, ResolverFactory>;
  /**
   * Outlier detection for client-balanced references: an endpoint whose calls fail with UNAVAILABLE
   * `consecutiveFailures` times in a row leaves the rotation for `baseEjectionTimeMs`, doubling per ejection in a row
   * up to `maxEjectionTimeMs`. Defaults 5, 30000, 300000, `maxEjectionPercent` 10 (gRPC's `outlierDetection`,
   * Envoy's `consecutive_5xx`). `false` turns it off.
   */
  outlierDetection?: Partial<OutlierDetectionOptions> | false;
  /**
   * How often a DNS target is resolved again, in ms, at the latest; sooner when the records' TTL runs out or a
   * connection fails. Default 30000.
   */
  resolveIntervalMs?: number;
  /**
   * Keepalive (gRPC's `keepalive_time_ms`, with Go's HTTP/2 `ReadIdleTimeout` meaning): while a call waits on an
   * HTTP/2 connection and nothing has been read from it for this long, a PING checks it, in ms. Default 250. 0 = off.
   * Meant to find a connection whose peer vanished without FIN/RST (node loss, partition), which TCP alone keeps for
   * about 15 minutes. It never trips gRPC servers' ping enforcement (`too_many_pings`): a quiet connection is pinged
   * once, and again only after the server sent something or a new call came; idle connections are never pinged.
   */
  keepaliveTimeMs?: number;
  /**
   * How long a keepalive PING may go unanswered (no ACK, no byte at all) before its connection counts as dead, in ms
   * (gRPC's `keepalive_timeout_ms`). Default 300. A dead connection is closed; its calls fail with UNAVAILABLE, calls
   * that were waiting to use it go to a new connection. Raise it for providers whose event loop may stall longer.
   */
  keepaliveTimeoutMs?: number;
  /**
   * How long a new connection may take to be usable — TCP connected, and the TLS handshake done when TLS is on — in
   * ms (Dubbo's `connect.timeout`, `dubbo.consumer.connect-timeout`). Default 3000, as Dubbo. Past it the connection
   * counts as one that could not be made: the attempt fails with UNAVAILABLE and nothing sent, so it is retried for
   * any method (on another endpoint under client-side balancing, where this one leaves rotation for a while — or, with
   * health checking, is "unreachable" until its Watch connects). Without a bound, an address that never answers SYN
   * (a node gone, a filter that drops) holds calls until their deadline for about two minutes of kernel retries.
   * 0 = no bound of the consumer's own.
   */
  connectTimeoutMs?: number;
  /** The shortest time between two resolutions of a DNS target, in ms (a TTL of 0, failing connections). Default 1000. */
  minResolveIntervalMs?: number;
  /**
   * Called when an endpoint of a client-balanced target is added, removed, or changes health or ejection — e.g. to
   * log "10.1.2.3:50052 left rotation: health NOT_SERVING". See also `Consumer.endpoints()`.
   */
  onEndpointChange?: (change: EndpointChange) => void;
  /**
   * TLS for every reference (`dubbo.ssl.client-*`): `true` verifies providers with the system's CAs; an object names
   * the trust collection and, for mTLS, the client certificate and key (files checked now: a bad one throws naming
   * the key, the file and the problem; reloaded when they change). The server certificate is verified against the
   * address's host — the mesh name of `providedBy`, or the `url`'s host — also when each pod is dialled by IP.
   * A reference's `tls` overrides it; a `url` written `https://` turns TLS on for that reference. Default cleartext.
   */
  tls?: ClientTlsOptions | boolean;
  /** Where events go (certificate reloads). Default one JSON line per event on stdout. */
  logger?: Logger;
}

/**
 * How a reference reaches its provider: `url`, or in mesh style `providedBy` (+ `providerNamespace`, `providerPort`),
 * which dials `<providedBy>.<namespace>.svc.<clusterDomain>:<port>`. `url` wins when both are set.
 */
export interface ReferenceOptions {
  /**
   * The provider's address (`url`); overrides `providedBy`. One host — `tri://host:port`, `http://host:port`,
   * `host:port` — is one connection (mesh mode's single address); a list — `tri://h1:p1,h2:p2` — is balanced over its
   * endpoints; `dns:///name:port` is balanced over every A/AAAA record of the name.
   */
  url?: string;
  /** The provider's application = Kubernetes Service name (`provided-by`). */
  providedBy?: string;
  /** The provider's namespace (`provider-namespace`). Default env `POD_NAMESPACE`, else "default". */
  providerNamespace?: string;
  /** The provider's port (`provider-port`). Default 50052. */
  providerPort?: number;
  /** Service version to call (`tri-service-version`; `version`). Default none. */
  version?: string;
  /** Service group to call (`tri-service-group`; `group`). Default none. */
  group?: string;
  /** Deadline of this reference's calls in ms (`timeout`); overrides the consumer's. 0 = no deadline. */
  timeout?: number;
  /** Retries of this reference's unary calls (`retries`); overrides the consumer's. */
  retries?: number;
  /**
   * Methods that may safely run twice, so that they are retried even after a failure that may have reached the
   * provider (UNAVAILABLE): `true` for all, or names (`["Greet"]`). Methods whose proto declares
   * `idempotency_level = IDEMPOTENT` or `NO_SIDE_EFFECTS` count as idempotent anyway. Default false.
   */
  idempotent?: IdempotentOption;
  /**
   * Wire protocol (`protocol`): "grpc" (default) — gRPC over HTTP/2, all four call kinds, what every gRPC peer speaks
   * (Triple's extended gRPC); or "triple" — Triple HTTP, over HTTP/1.1 by default (`httpVersion`): unary calls, and server streams as
   * Server-Sent Events; client and bidi streaming need "grpc".
   */
  protocol?: "grpc" | "triple";
  /** HTTP version of the "triple" protocol. Default "1.1". gRPC is always HTTP/2. */
  httpVersion?: "1.1" | "2";
  /** Send JSON instead of binary protobuf (gRPC: `application/grpc+json`; Triple: `application/json`). Default false. */
  json?: boolean;
  /** Largest response message accepted, in bytes. Default 4 MiB. */
  readMaxBytes?: number;
  /** Interceptors of this reference only, inside the consumer's (once per attempt, like those). */
  interceptors?: Interceptor[];
  /** Who balances this reference's calls when it uses `providedBy` (see `ConsumerOptions.balancing`). */
  balancing?: "mesh" | "client";
  /** This reference's balancer (see `ConsumerOptions.loadBalancer`; Dubbo's reference `loadbalance`). */
  loadBalancer?: string;
  /**
   * Health checking of each endpoint with a `grpc.health.v1.Health/Watch` stream (gRPC's `healthCheckConfig`):
   * endpoints NOT_SERVING or SERVICE_UNKNOWN leave the rotation; a provider without a health service counts as
   * serving. `true` watches this reference's service name (`""` for a reference to the Health service itself);
   * `{ serviceName }` watches another name (`""` = the whole provider). Default true for a list or DNS target, false
   * for a single address (where a sidecar does it).
   */
  healthCheck?: boolean | { serviceName: string };
  /**
   * TLS of this reference: `false` for cleartext, `true` for the consumer's setting (or the system's CAs), an object
   * for the consumer's setting with these fields replaced (another CA, `serverName`, a pinned `serverIdentity`).
   * Default the consumer's `tls`, and TLS anyway when `url` is written `https://`.
   */
  tls?: ClientTlsOptions | boolean;
}

/** The protocols a reference may use; both are Triple (gRPC is Triple's HTTP/2 wire). */
export const referenceProtocols: readonly string[] = ["grpc", "triple"];

/** `ConsumerOptions` checked, with every default filled in: what `createConsumer` runs on. */
export interface ValidConsumerOptions {
  readonly timeout: number;
  readonly retries: number;
  readonly transparentRetry: boolean;
  readonly meshEnable: boolean;
  readonly env: Env;
  readonly balancing: "mesh" | "client";
  readonly loadBalancer: string;
  readonly keepalive: KeepaliveOptions;
  readonly connectTimeoutMs: number;
  readonly resolveIntervalMs: number;
  readonly minResolveIntervalMs: number;
  readonly backoff: BackoffOptions;
}

/**
 * Checks the options of `createConsumer` and fills in the defaults — those of the Dubbo keys in the config schema, so
 * code and config cannot disagree. A bad value throws, naming the option, its key and the value:
 * `timeout (dubbo.consumer.timeout) must be a non-negative integer number of milliseconds, got -1`.
 */
export function validateConsumerOptions(options: ConsumerOptions): ValidConsumerOptions {
  return {
    timeout: optionValue("timeout", "dubbo.consumer.timeout", options.timeout),
    retries: optionValue("retries", "dubbo.consumer.retries", options.retries),
    transparentRetry: checkedOption("transparentRetry", booleanValue, options.transparentRetry, true),
    meshEnable: optionValue("meshEnable", "dubbo.consumer.mesh-enable", options.meshEnable),
    env: options.env ?? process.env,
    balancing: optionValue("balancing", "dubbo.consumer.balancing", options.balancing),
    // Not checked against the key's names: a consumer may add balancers of its own (`balancers`).
    loadBalancer: options.loadBalancer ?? defaultOf("dubbo.consumer.loadbalance"),
    keepalive: {
      timeMs: optionValue("keepaliveTimeMs", "dubbo.consumer.keepalive-time", options.keepaliveTimeMs),
      timeoutMs: optionValue("keepaliveTimeoutMs", "dubbo.consumer.keepalive-timeout", options.keepaliveTimeoutMs),
    },
    connectTimeoutMs: optionValue("connectTimeoutMs", "dubbo.consumer.connect-timeout", options.connectTimeoutMs),
    resolveIntervalMs: checkedOption("resolveIntervalMs", positiveDurationValue, options.resolveIntervalMs, 30_000),
    minResolveIntervalMs: checkedOption("minResolveIntervalMs", durationValue, options.minResolveIntervalMs, 1000),
    backoff: { ...defaultBackoff, ...options.backoff },
  };
}

/** The options of one reference checked, with the consumer's settings for those it does not set. */
export interface ValidReferenceOptions {
  readonly timeout: number;
  readonly retries: number;
  readonly readMaxBytes: number;
  readonly protocol: "grpc" | "triple";
  readonly httpVersion: "1.1" | "2";
  readonly loadBalancer: string;
}

/**
 * Checks the options of a reference to `typeName` and fills in what it leaves to the consumer (`timeout`, `retries`,
 * `loadBalancer`) or to the defaults. A bad value throws, naming the option and the service:
 * `retries of the reference to greet.v1.GreeterService must be an integer >= 0, got -1`.
 */
export function validateReferenceOptions(
  typeName: string,
  ref: ReferenceOptions,
  consumer: ValidConsumerOptions,
): ValidReferenceOptions {
  const of = `of the reference to ${typeName}`;
  return {
    timeout: checkedOption(`timeout ${of}`, durationValue, ref.timeout, consumer.timeout),
    retries: checkedOption(`retries ${of}`, nonNegativeIntegerValue, ref.retries, consumer.retries),
    readMaxBytes: optionValue(`readMaxBytes ${of}`, "dubbo.protocol.max-message-size", ref.readMaxBytes),
    protocol: ref.protocol ?? "grpc",
    httpVersion: ref.httpVersion ?? "1.1",
    loadBalancer: ref.loadBalancer ?? consumer.loadBalancer,
  };
}
