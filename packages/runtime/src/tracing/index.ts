export { endTraceWithError, traceStream } from "./end-trace.js";
export {
  type ClientCallInfo,
  type ClientCallTrace,
  createRpcTracing,
  type RpcSystem,
  type RpcTracing,
  type RpcTracingOptions,
  type ServerCallInfo,
  type ServerCallTrace,
  tracerName,
} from "./rpc-tracing.js";
