export { foreignPeerRefusal, mayRun, type PeerAccess, type PeerKind, resolvePeerAccess } from "./access-control.js";
export { CommandExecutor, type QosExecution, type QosInvocation, type QosTransport } from "./command-executor.js";
export { builtinCommands, prometheusTextContentType } from "./commands/index.js";
export { AddressMatcher, isLoopback, normalizePeerAddress, type PeerAddress } from "./peer-address.js";
export {
  hasPermission,
  type PermissionLevel,
  parsePermissionLevel,
  permissionLevels,
  permissionRank,
} from "./permission-level.js";
export type { QosCommand, QosCommandContext, QosCommandResult } from "./qos-command.js";
export { jsonLineLogger, type QosLogFields, type QosLogger } from "./qos-logger.js";
export { defaultQosPort, type QosOptions, type ValidatedQosOptions, validateQosOptions } from "./qos-options.js";
export type {
  QosConfigEntry,
  QosLifecycle,
  QosMetrics,
  QosPort,
  QosProbeKind,
  QosReference,
} from "./qos-runtime.js";
export { createQosServer, type QosServer } from "./qos-server.js";
export { telnetPrompt } from "./telnet-session.js";
