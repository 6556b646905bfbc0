import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { type RpcCompletion, type RpcFailureKind, type RpcMetrics, recordStart } from "@dubbo-mesh/runtime";
import { NoEndpointError } from "./balancing/no-endpoint-error.js";
import { inChain } from "./classify-failure.js";
import { HostResolutionError } from "./dns-lookup.js";
import { withMessages } from "./with-messages.js";

/** The service identity a reference's calls are counted under: Dubbo's `interface`, `version`, `group` labels. */
export interface MeteredService {
  readonly typeName: string;
  readonly version?: string;
  readonly group?: string;
}

/**
 * Wraps a reference's transport so that every call — once, however many attempts its retries take — is recorded in
 * the consumer's metrics (`dubbo_consumer_*`): started when it is made, completed with its final gRPC code when its
 * response (for a stream: the last message) has arrived or it failed. A call that failed because no provider exists
 * or the provider's name does not resolve counts as `service_unavailable`, not as a network failure.
 */
export function meteredTransport(inner: Transport, metrics: RpcMetrics, service: MeteredService): Transport {
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      // Ends exactly once by construction: the meter and start time do, without a once-only completion.
      const meter = metrics.meter(service.typeName, method.name, service.version, service.group);
      const startedAt = meter.start();
      try {
        const res = await inner.unary(method, signal, timeoutMs, header, input, contextValues);
        meter.end(startedAt, 0);
        return res;
      } catch (e) {
        complete((code, kind) => meter.end(startedAt, code, kind), e);
        throw e;
      }
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const done = recordStart(metrics, service.typeName, method.name, service.version, service.group);
      let res: Awaited<ReturnType<typeof inner.stream<(typeof method)["input"], (typeof method)["output"]>>>;
      try {
        res = await inner.stream(method, signal, timeoutMs, header, input, contextValues);
      } catch (e) {
        complete(done, e);
        throw e;
      }
      return withMessages(res, track(res.message, done));
    },
  };
}

function complete(done: RpcCompletion, reason: unknown): void {
  const error = ConnectError.from(reason);
  const kind: RpcFailureKind | undefined = inChain(error, isNoProvider) ? "service_unavailable" : undefined;
  done(error.code, kind);
}

/** No endpoint in rotation, or the provider's name does not resolve (our resolver, or getaddrinfo's ENOTFOUND). */
function isNoProvider(e: Error): boolean {
  return e instanceof NoEndpointError || e instanceof HostResolutionError || ("code" in e && e.code === "ENOTFOUND");
}

/** Completes a streaming call when its responses end: OK, the error, or CANCELED when the caller stopped reading. */
async function* track(messages: AsyncIterable<unknown>, done: RpcCompletion): AsyncIterable<unknown> {
  let ended = false;
  try {
    yield* messages;
    ended = true;
    done(0);
  } catch (e) {
    ended = true;
    complete(done, e);
    throw e;
  } finally {
    if (!ended) done(Code.Canceled);
  }
}
