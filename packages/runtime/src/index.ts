/**
 * @dubbo-mesh/runtime — what providers and consumers share: the service table, config, the lifecycle state machine,
 * metrics and logging.
 */
export * from "./config/index.js";
export * from "./decorators/index.js";
export { errorMessage } from "./error-message.js";
export { createHttp1Server, type Http1Timeouts, validateHttp1Timeouts } from "./http1-server.js";
export * from "./lifecycle/index.js";
export { createJsonLogger, type LogFields, type Logger, silentLogger } from "./logger.js";
export * from "./metrics/index.js";
export { formatServiceKey, type ServiceKey, serviceKey } from "./service-key.js";
export { type ServiceLookup, type ServiceMatch, ServiceTable } from "./service-table.js";
export * from "./tls/index.js";
export * from "./tracing/index.js";
