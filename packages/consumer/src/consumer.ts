import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { checkInterfaceName, health } from "@dubbo-mesh/protocol";
import { createJsonLogger, errorMessage } from "@dubbo-mesh/runtime";
import { BalancerRegistry } from "./balancing/balancer-registry.js";
import type { Cluster } from "./balancing/cluster.js";
import { ClusterSet } from "./balancing/cluster-set.js";
import { createAddressQuery } from "./balancing/dns-query.js";
import type { Endpoint, EndpointStats } from "./balancing/endpoint.js";
import { defaultOutlierDetection } from "./balancing/outlier-detection.js";
import { createPickingTransport } from "./balancing/picking-transport.js";
import { ResolverRegistry, targetUrls } from "./balancing/resolver-registry.js";
import type { CallTransport } from "./call.js";
import { ClientTls, type ClientTlsOptions } from "./client-tls.js";
import { createClientTransport } from "./client-transport.js";
import { ConnectionPool } from "./connection-pool.js";
import { createDnsLookup } from "./dns-lookup.js";
import { createGenericClient, type GenericClient } from "./generic-client.js";
import { tripleHeaders } from "./headers-interceptor.js";
import { idempotencyOf } from "./idempotency.js";
import { meteredTransport } from "./metered-transport.js";
import {
  type ConsumerOptions,
  type ReferenceOptions,
  validateConsumerOptions,
  validateReferenceOptions,
} from "./options.js";
import { createProtocolTransport, type ProtocolTransportOptions } from "./protocol-transport.js";
import { type ReferenceTarget, referenceTarget } from "./reference-target.js";
import { createRetryingTransport } from "./retrying-transport.js";
import { installStreamingMethods } from "./streaming-methods.js";
import { tracedTransport } from "./traced-transport.js";
import { installUnaryMethods } from "./unary-methods.js";

/** A consumer: the owner of references, their endpoints and connections. */
export interface Consumer {
  /**
   * Creates a typed client of a service. No connection opens until the first call (a client-balanced target starts
   * resolving and health-watching its endpoints at once). Throws, naming the service, when the reference has no
   * address (`url` or `providedBy`), breaks mesh mode's rules or names an unknown balancer.
   */
  reference<T extends DescService>(service: T, options: ReferenceOptions): Client<T>;
  /**
   * Creates a client of a Dubbo interface service that has no .proto (a Java interface such as
   * `org.apache.dubbo.samples.api.GreetingsService`), called as Dubbo documents: Triple HTTP, `POST
   * /<interface>/<method>`, `application/json`, a JSON array of the arguments; version and group as Triple headers.
   * The options are a reference's (`url` or `providedBy`, `version`, `group`, `timeout`, `httpVersion`...); the
   * protocol is always Triple with JSON. Throws for a bad interface name or address.
   *
   * @example
   * const greetings = consumer.generic("org.apache.dubbo.samples.api.GreetingsService", { url, version: "1.0.0" });
   * await greetings.invoke("sayHi", ["Dubbo"]); // "hi, Dubbo"
   */
  generic(interfaceName: string, options: Omit<ReferenceOptions, "protocol" | "json">): GenericClient;
  /**
   * The endpoints of a client's target as they are now: address, `:authority`, health, whether in rotation, calls
   * in flight, calls sent, failures, ejections. A single address (mesh mode) is one endpoint. Throws for an object
   * that is not a client of this consumer.
   *
   * @example
   * for (const e of consumer.endpoints(greeter)) console.log(e.address, e.health, e.inRotation, e.calls);
   */
  endpoints(client: object): EndpointStats[];
  /** Closes every connection and health watch of every reference; their calls fail with CANCELED. */
  close(): void;
}

/**
 * Creates a consumer. A call goes through: resolve the target (`url`, or the mesh name of `providedBy`: one address,
 * a list, or every DNS record) -> retry policy (unary calls, within the deadline) -> pick an endpoint (immutable
 * picker of the balancer over the healthy endpoints; per attempt, so a retry can go elsewhere) -> interceptors and
 * the wire protocol, once per attempt. Calls fail with one error type, `ConnectError`, carrying the gRPC code, the
 * message and the response metadata.
 *
 * @example
 * const consumer = createConsumer({ application: "greeter-consumer", balancing: "client" });
 * const greeter = consumer.reference(GreeterService, { providedBy: "greeter-provider", version: "1.0.0" });
 * const { greeting } = await greeter.greet({ name: "alice" }); // one of the pods of greeter-provider.default.svc...
 */
export function createConsumer(options: ConsumerOptions = {}): Consumer {
  const valid = validateConsumerOptions(options);
  const context = { meshEnable: valid.meshEnable, env: valid.env, balancing: valid.balancing };
  const pool = new ConnectionPool({
    connectTimeoutMs: valid.connectTimeoutMs,
    lookup: options.dns ? createDnsLookup(options.dns) : undefined,
    keepalive: valid.keepalive,
  });
  const clusters = new ClusterSet({
    pool,
    balancers: new BalancerRegistry(options.balancers),
    resolvers: new ResolverRegistry(options.resolvers),
    resolverContext: {
      query: createAddressQuery(options.dns),
      resolveIntervalMs: valid.resolveIntervalMs,
      minResolveIntervalMs: valid.minResolveIntervalMs,
    },
    outlierDetection:
      options.outlierDetection === false ? undefined : { ...defaultOutlierDetection, ...options.outlierDetection },
    onEndpointChange: options.onEndpointChange,
  });
  const clusterOf = new WeakMap<object, Cluster>();
  const logger = options.logger ?? createJsonLogger();
  // The TLS settings in use, by key: references with equal settings share them and so their connections.
  const tlsSettings = new Map<string, ClientTls>();
  const tlsOf = (tlsOptions: ClientTlsOptions): ClientTls => {
    const setting = new ClientTls(tlsOptions, logger);
    const known = tlsSettings.get(setting.key);
    if (known) {
      setting.close();
      return known;
    }
    tlsSettings.set(setting.key, setting);
    return setting;
  };
  const consumerTls = typeof options.tls === "object" ? options.tls : options.tls === true ? {} : undefined;
  if (consumerTls) tlsOf(consumerTls); // bad files stop createConsumer, not the first call
  let closed = false;
  /** The call path of one reference to `typeName` (its transport) and the cluster of its target. */
  const open = (
    typeName: string,
    ref: ReferenceOptions,
    healthName: (target: ReferenceTarget) => string | undefined,
  ): { transport: ReturnType<typeof createClientTransport>; cluster: Cluster } => {
    if (closed) throw new Error(`reference to ${typeName}: the consumer is closed`);
    const refValid = validateReferenceOptions(typeName, ref, valid);
    const target = referenceTarget(typeName, ref, context);
    let cluster: Cluster;
    try {
      const tlsOptions = referenceTls(consumerTls, ref.tls, target);
      cluster = clusters.get(target, {
        loadBalancer: refValid.loadBalancer,
        healthServiceName: healthName(target),
        ...(tlsOptions ? { tls: tlsOf(tlsOptions) } : {}),
      });
    } catch (e) {
      throw new Error(`reference to ${typeName}: ${errorMessage(e)}`);
    }
    const defaultTimeoutMs = refValid.timeout > 0 ? refValid.timeout : undefined;
    const wire: ProtocolTransportOptions = {
      protocol: refValid.protocol,
      httpVersion: refValid.httpVersion,
      readMaxBytes: refValid.readMaxBytes,
      interceptors: [...(options.interceptors ?? []), ...(ref.interceptors ?? [])],
      headers: tripleHeaders({ version: ref.version, group: ref.group, application: options.application }),
    };
    // One wire transport per endpoint of this reference, made when the endpoint is first picked.
    const wires = new WeakMap<Endpoint, CallTransport>();
    const wireOf = (endpoint: Endpoint) => {
      let transport = wires.get(endpoint);
      if (!transport) {
        transport = createProtocolTransport(endpoint.connection, wire);
        // One client span per attempt, on the endpoint the attempt went to.
        if (options.tracing) transport = tracedTransport(transport, options.tracing, endpoint, systemOf(wire.protocol));
        wires.set(endpoint, transport);
      }
      return transport;
    };
    const retrying = createRetryingTransport(createPickingTransport(cluster, wireOf), {
      retries: refValid.retries,
      transparent: valid.transparentRetry,
      isIdempotent: idempotencyOf(ref.idempotent),
      backoff: valid.backoff,
    });
    const edge = createClientTransport(retrying, { defaultTimeoutMs, codec: ref.json ? "json" : "proto" });
    // Counted once per call, above the retries: `dubbo_consumer_*`.
    const transport = options.metrics ? meteredTransport(edge, options.metrics, { typeName, ...ref }) : edge;
    return { transport, cluster };
  };
  return {
    reference(service, ref) {
      const { transport, cluster } = open(service.typeName, ref, healthServiceName(service, ref));
      const client = installUnaryMethods(
        installStreamingMethods(createClient(service, transport), service, transport),
        service,
        transport,
      );
      clusterOf.set(client, cluster);
      return client;
    },
    generic(interfaceName, ref) {
      checkInterfaceName(interfaceName);
      const generic = { ...ref, protocol: "triple" as const, json: true };
      const { transport, cluster } = open(interfaceName, generic, healthServiceNameOf(interfaceName, generic));
      const client = createGenericClient(interfaceName, transport);
      clusterOf.set(client, cluster);
      return client;
    },
    endpoints(client) {
      const cluster = clusterOf.get(client);
      if (!cluster) throw new Error("endpoints(): not a client made by this consumer's reference()");
      return cluster.stats();
    },
    close() {
      closed = true;
      pool.close(); // first: calls in flight fail now, rather than finishing on connections let go of gracefully
      clusters.close();
      for (const setting of tlsSettings.values()) setting.close();
    },
  };
}

/**
 * The TLS options of a reference: none for `tls: false`; the consumer's with the reference's fields over them for an
 * object; else the consumer's, or the system's CAs for a `url` written `https://`, or none (cleartext).
 */
function referenceTls(
  consumerTls: ClientTlsOptions | undefined,
  refTls: ClientTlsOptions | boolean | undefined,
  target: ReferenceTarget,
): ClientTlsOptions | undefined {
  if (refTls === false) return undefined;
  if (typeof refTls === "object") return { ...consumerTls, ...refTls };
  if (consumerTls) return consumerTls;
  const https = targetUrls(target).some((u) => u.protocol === "https:");
  return refTls === true || https ? {} : undefined;
}

/** The service name a reference's endpoints are health-watched for, or undefined for no health checking. */
function healthServiceName(service: DescService, ref: ReferenceOptions) {
  return healthServiceNameOf(service.typeName === health.Health.typeName ? "" : service.typeName, ref);
}

/** The same for a service known by name (`""` for the server as a whole). */
function healthServiceNameOf(name: string, ref: ReferenceOptions) {
  return (target: ReferenceTarget): string | undefined => {
    const check = ref.healthCheck ?? target.kind !== "single";
    if (check === false) return undefined;
    if (check !== true) return check.serviceName;
    return name;
  };
}

/** OpenTelemetry's `rpc.system` of a reference's wire protocol: gRPC, or Dubbo's Triple. */
function systemOf(protocol: string): "grpc" | "apache_dubbo" {
  return protocol === "grpc" ? "grpc" : "apache_dubbo";
}
