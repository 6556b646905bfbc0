/**
 * @dubbo-mesh/consumer — calling: typed clients over gRPC (HTTP/2) or Triple HTTP unary, mesh addressing
 * (`providedBy`), DNS, Triple headers, deadlines and retries.
 */
export { Code, ConnectError } from "@dubbo-mesh/protocol";
export { type BackoffOptions, backoffDelay, defaultBackoff } from "./backoff.js";
export { type ClassifiedFailure, classifyFailure, type Delivery } from "./classify-failure.js";
export { type Consumer, createConsumer } from "./consumer.js";
export { createDnsLookup, type DnsOptions, HostResolutionError } from "./dns-lookup.js";
export { type IdempotentOption, idempotencyOf } from "./idempotency.js";
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
export { referenceUrl, type TargetContext } from "./reference-target.js";
export { type RetryPolicy, shouldRetry } from "./retry-policy.js";
export { createRetryingTransport } from "./retrying-transport.js";
export { parseTarget } from "./target.js";
