import { ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { RpcTracing, ServerCallTrace } from "@dubbo-mesh/runtime";

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
      end(trace, e);
      throw e;
    }
    if (!res.stream) {
      trace.end(0);
      return res;
    }
    const messages = trace.bind(() => (res as StreamResponse).message)();
    return { ...res, message: track(messages, trace) } as typeof res;
  };
}

function end(trace: ServerCallTrace, reason: unknown): void {
  const error = ConnectError.from(reason);
  trace.end(error.code, error.rawMessage);
}

async function* track(messages: AsyncIterable<unknown>, trace: ServerCallTrace): AsyncIterable<unknown> {
  let ended = false;
  try {
    yield* messages;
    ended = true;
    trace.end(0);
  } catch (e) {
    ended = true;
    end(trace, e);
    throw e;
  } finally {
    if (!ended) trace.end(1, "the call was abandoned");
  }
}
