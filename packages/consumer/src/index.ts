/**
 * @dubbo-mesh/consumer — calling: typed clients over gRPC (HTTP/2) or Triple HTTP (unary, server streams as SSE), generic calls of
 * interface services without a .proto, mesh addressing
 * (`providedBy`), client-side balancing (static lists, DNS, health Watch, outlier detection), DNS, Triple headers,
 * deadlines and retries.
 */
export {
  type AttachmentValue,
  attachmentsFromHeaders,
  attachmentsToHeaders,
  Code,
  ConnectError,
} from "@dubbo-mesh/protocol";
export type { BackoffOptions } from "./backoff.js";
export { builtinBalancers } from "./balancing/balancer-registry.js";
export type { EndpointChange } from "./balancing/cluster.js";
export type { EndpointHealth, EndpointStats } from "./balancing/endpoint.js";
export { leastRequest } from "./balancing/least-request.js";
export { NoEndpointError } from "./balancing/no-endpoint-error.js";
export type { OutlierDetectionOptions } from "./balancing/outlier-detection.js";
export type { BalancedEndpoint, Balancer, BalancerFactory, Picker } from "./balancing/picker.js";
export type { NameResolver, ResolvedAddress, ResolverListener } from "./balancing/resolver.js";
export { builtinResolvers, type ResolverContext, type ResolverFactory } from "./balancing/resolver-registry.js";
export { roundRobin } from "./balancing/round-robin.js";
export type { ClientTlsOptions } from "./client-tls.js";
export { type Consumer, createConsumer } from "./consumer.js";
export { type DnsOptions, HostResolutionError } from "./dns-lookup.js";
export type { GenericCallOptions, GenericClient } from "./generic-client.js";
export type { IdempotentOption } from "./idempotency.js";
export {
  defaultClusterDomain,
  defaultMeshPort,
  defaultNamespace,
  type Env,
  type MeshAddress,
  type MeshReference,
  meshAddress,
} from "./mesh-address.js";
export type { ConsumerOptions, ReferenceOptions } from "./options.js";
export { parseTarget } from "./target.js";
