/**
 * @dubbo-mesh/consumer/internal — the consumer's inner units, for this repository's own tests and tools: how a failure
 * is classified for retries, the backoff, the registries, target parsing and address decisions. Not a public API: it
 * changes without notice; applications use the package's main entry.
 */
export { backoffDelay, defaultBackoff } from "./backoff.js";
export { BalancerRegistry } from "./balancing/balancer-registry.js";
export { defaultOutlierDetection } from "./balancing/outlier-detection.js";
export { ResolverRegistry } from "./balancing/resolver-registry.js";
export type { Attempt, Progress } from "./call.js";
export { type ClassifiedFailure, classifyFailure, type Delivery } from "./classify-failure.js";
export { createDnsLookup } from "./dns-lookup.js";
export { idempotencyOf } from "./idempotency.js";
export { type ReferenceTarget, referenceTarget, referenceUrl, type TargetContext } from "./reference-target.js";
export { type RetryPolicy, shouldRetry } from "./retry-policy.js";
export { parseDnsTarget, parseTargetList } from "./target.js";
