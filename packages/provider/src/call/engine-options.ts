import type { Interceptor } from "@connectrpc/connect";
import type { Logger, RpcMetrics, RpcTracing, ServiceTable } from "@dubbo-mesh/runtime";
import type { Registration } from "../dispatch.js";

/** What the provider's engines (gRPC over HTTP/2, Triple HTTP unary) need from it: the same values for both. */
export interface EngineOptions {
  table: ServiceTable<Registration>;
  fallbackToDefault: boolean;
  /** Largest request message accepted, in bytes, after decompression. */
  readMaxBytes: number;
  /** User interceptors (Dubbo's provider filters), outermost first: connect's server Interceptor, every call kind. */
  interceptors: Interceptor[];
  /** Where every call is recorded, once, when it ends. */
  metrics?: RpcMetrics;
  /** Where every call gets its server span (OpenTelemetry); the handler runs inside it. */
  tracing?: RpcTracing;
  /** Aborted when the provider's drain is over: calls still running are cancelled. */
  shutdownSignal: AbortSignal;
  logger: Logger;
}
