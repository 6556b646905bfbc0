/**
 * @dubbo-mesh/qos — the operations port (Dubbo's QOS): probes, commands, metrics and access control over HTTP and
 * telnet on one port. `createQosServer` is the whole public API; the rest are the types of its options.
 */
export type { PermissionLevel } from "./permission-level.js";
export type { QosLogFields, QosLogger } from "./qos-logger.js";
export { defaultQosPort, type QosOptions } from "./qos-options.js";
export type {
  QosConfigEntry,
  QosLifecycle,
  QosMetrics,
  QosPort,
  QosProbeKind,
  QosReference,
} from "./qos-runtime.js";
export { createQosServer, type QosServer } from "./qos-server.js";
