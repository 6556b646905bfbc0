import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { type RpcCompletion, type RpcMetrics, recordStart } from "@dubbo-mesh/runtime";

/**
 * Creates the server interceptor that records every call of connect's general path in the metrics: started,
 * processing, outcome by gRPC code and response time. A streaming call completes when its response stream ends, not
 * when it starts. A unary handler that throws anything but a ConnectError (which connect answers INTERNAL) is a
 * business failure: its method failed, as Dubbo counts an exception thrown by a provider's implementation. A stream's
 * error is counted by its code only: it may come from the handler or from writing to a client that went away.
 */
export function metricsInterceptor(metrics: RpcMetrics): Interceptor {
  return (next) => async (req) => {
    const done = recordStart(metrics, req.service.typeName, req.method.name);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (e) {
      done(ConnectError.from(e).code, e instanceof ConnectError ? undefined : "business");
      throw e;
    }
    if (!res.stream) {
      done(0);
      return res;
    }
    return { ...res, message: track(res as StreamResponse, done) } as typeof res;
  };
}

/** Completes a streaming call when its responses end: OK, the error, or CANCELED if it was abandoned midway. */
async function* track(res: StreamResponse, done: RpcCompletion): AsyncIterable<unknown> {
  let ended = false;
  try {
    yield* res.message;
    ended = true;
    done(0);
  } catch (e) {
    ended = true;
    done(ConnectError.from(e).code);
    throw e;
  } finally {
    if (!ended) done(Code.Canceled);
  }
}
