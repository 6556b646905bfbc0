export { endTraceWithError, traceStream } from "./end-trace.js";
export {
  type ClientCallInfo,
  type ClientCallTrace,
  type ClientEndpointInfo,
  createRpcTracing,
  type RpcSystem,
  type RpcTracing,
  type RpcTracingOptions,
  type ServerCallInfo,
  type ServerCallTrace,
  type ServerConnectionInfo,
  tracerName,
} from "./rpc-tracing.js";
