import type { Interceptor, StreamResponse } from "@connectrpc/connect";
import { endTraceWithError, type RpcTracing, traceStream } from "@dubbo-mesh/runtime";

/**
 * Creates the server interceptor that traces the calls of connect's general path (Triple HTTP, gRPC-web, Connect):
 * a SERVER span per call (`rpc.system` `apache_dubbo`), its parent the W3C trace context of the request headers; the
 * handler — and each step of a streaming handler's output — runs inside it. The gRPC engine traces its own calls.
 */
export function tracingInterceptor(tracing: RpcTracing): Interceptor {
  return (next) => async (req) => {
    const trace = tracing.startServer({
      system: "apache_dubbo",
      service: req.service.typeName,
      method: req.method.name,
      headers: req.header,
      get: (headers, name) => (headers as Headers).get(name) ?? undefined,
    });
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await trace.run(() => next(req));
    } catch (e) {
      endTraceWithError(trace, e);
      throw e;
    }
    if (!res.stream) {
      trace.end(0);
      return res;
    }
    const messages = trace.bind(() => (res as StreamResponse).message)();
    return { ...res, message: traceStream(messages, trace, "the call was abandoned") } as typeof res;
  };
}
