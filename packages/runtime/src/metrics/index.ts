export { type RpcSide, rpcLabelNames } from "./dubbo-families.js";
export {
  createDubboMetrics,
  DubboMetrics,
  type DubboMetricsOptions,
  type RpcCallCounts,
} from "./dubbo-metrics.js";
export { type HostIdentity, hostIdentity } from "./host-identity.js";
export { codeOf, outcomeKinds, outcomeOf, type RpcFailureKind, type RpcOutcome } from "./rpc-outcome.js";
export { defaultRtBucketsMs, type RpcMeter } from "./rpc-series.js";
export { type RtSnapshot, RtWindow, type RtWindowOptions } from "./rt-window.js";
export { type RpcCompletion, type RpcMetrics, recordStart } from "./side-recorder.js";
