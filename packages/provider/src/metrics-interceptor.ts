import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { RpcMetrics } from "@dubbo-mesh/runtime";

/**
 * Creates the server interceptor that records every call in the metrics: count by service, method and final gRPC
 * code, latency, and calls in flight. A streaming call completes when its response stream ends, not when it starts.
 */
export function metricsInterceptor(metrics: RpcMetrics): Interceptor {
  return (next) => async (req) => {
    const done = metrics.recordStart(req.service.typeName, req.method.name);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (e) {
      done(Code[ConnectError.from(e).code]);
      throw e;
    }
    if (!res.stream) {
      done("OK");
      return res;
    }
    return { ...res, message: track(res as StreamResponse, done) } as typeof res;
  };
}

async function* track(res: StreamResponse, done: (code: string) => void): AsyncIterable<unknown> {
  let code = "OK";
  try {
    yield* res.message;
  } catch (e) {
    code = Code[ConnectError.from(e).code];
    throw e;
  } finally {
    done(code);
  }
}
