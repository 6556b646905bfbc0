import type { Interceptor } from "@connectrpc/connect";
import type { BackoffOptions } from "./backoff.js";
import type { DnsOptions } from "./dns-lookup.js";
import type { IdempotentOption } from "./idempotency.js";
import type { Env } from "./mesh-address.js";

/** Options of `createConsumer`, shared by all its references. Dubbo's key for each is given in parentheses. */
export interface ConsumerOptions {
  /** This application's name, sent as `tri-consumer-appname` (`dubbo.application.name`). Default none. */
  application?: string;
  /** Deadline of calls that set none, in ms (`dubbo.consumer.timeout`). Default 1000, as Dubbo. 0 = no deadline. */
  timeout?: number;
  /**
   * How many times a failed unary call is tried again (`dubbo.consumer.retries`). Default 2, as Dubbo: at most three
   * attempts, all within the call's deadline. Only failures that cannot have reached the provider's handler are
   * retried, unless the method is idempotent (see `ReferenceOptions.idempotent`).
   */
  retries?: number;
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
}

/**
 * How a reference reaches its provider: `url`, or in mesh style `providedBy` (+ `providerNamespace`, `providerPort`),
 * which dials `<providedBy>.<namespace>.svc.<clusterDomain>:<port>`. `url` wins when both are set.
 */
export interface ReferenceOptions {
  /** The provider's address: `tri://host:port`, `http://host:port` or `host:port` (`url`). Overrides `providedBy`. */
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
   * (Triple's extended gRPC); or "triple" — Triple HTTP unary, over HTTP/1.1 by default (`httpVersion`), unary only.
   */
  protocol?: "grpc" | "triple";
  /** HTTP version of the "triple" protocol. Default "1.1". gRPC is always HTTP/2. */
  httpVersion?: "1.1" | "2";
  /** For "triple": send JSON instead of binary protobuf. Default false. */
  json?: boolean;
  /** Largest response message accepted, in bytes. Default 4 MiB. */
  readMaxBytes?: number;
  /**
   * Send unary gRPC calls on the fast lane: straight onto an HTTP/2 stream with binary protobuf, without connect's
   * per-call pipeline. Same semantics (deadline, cancel, metadata, errors, interceptors, retries). Default true.
   */
  fastLane?: boolean;
  /** Interceptors of this reference only, inside the consumer's (once per attempt, like those). */
  interceptors?: Interceptor[];
}

/** The protocols a reference may use; both are Triple (gRPC is Triple's HTTP/2 wire). */
export const referenceProtocols: readonly string[] = ["grpc", "triple"];

/** Checks that an option is a whole number of at least `min`, naming it and its value otherwise. */
export function checkCount(name: string, value: number | undefined, min = 0): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new Error(`${name} must be a whole number >= ${min}, got ${value}`);
  }
}
