/**
 * @dubbo-mesh/runtime — what providers and consumers share: the service table, logging, config, lifecycle.
 */
export { createJsonLogger, type LogFields, type Logger, silentLogger } from "./logger.js";
export { formatServiceKey, type ServiceKey, serviceKey } from "./service-key.js";
export { type ServiceLookup, type ServiceMatch, ServiceTable } from "./service-table.js";
