import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { currentAttempt, newAttemptFacts, runAttempt } from "../attempt-facts.js";
import type { Cluster } from "./cluster.js";
import { Endpoint } from "./endpoint.js";

type HeadersInit = ConstructorParameters<typeof Headers>[0];

/**
 * The load-balancing layer of the call path (grpc-js's LoadBalancingCall), below the retry layer so that each
 * attempt is picked anew and a retried call can go to another endpoint: picks an endpoint from the cluster's current
 * picker — waiting while nothing is known yet, failing fast with UNAVAILABLE when everything known is down — runs
 * the attempt on that endpoint's wire transport (`wireOf`), and reports the outcome back for outlier detection.
 * In-flight counts (which `least_request` balances on) cover unary calls; a stream counts as a call when it starts.
 */
export function createPickingTransport(cluster: Cluster, wireOf: (endpoint: Endpoint) => Transport): Transport {
  /** The endpoint for an attempt with `timeoutMs` left, and what is left of it after any wait. */
  async function pick(
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<{ endpoint: Endpoint; timeoutMs: number | undefined }> {
    const picked = cluster.pick();
    if (picked instanceof Endpoint) return { endpoint: picked, timeoutMs };
    if (picked.kind === "fail") throw picked.error;
    const started = Date.now();
    const endpoint = await cluster.waitForEndpoint(signal, timeoutMs);
    if (timeoutMs === undefined || timeoutMs <= 0) return { endpoint, timeoutMs };
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0)
      throw new ConnectError(`deadline of ${timeoutMs} ms exceeded waiting for an endpoint`, Code.DeadlineExceeded);
    return { endpoint, timeoutMs: left };
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      // The common case — an endpoint is ready — picks without awaiting (one promise and microtask less per call).
      const picked = cluster.pick();
      const { endpoint, timeoutMs: left } =
        picked instanceof Endpoint ? { endpoint: picked, timeoutMs } : await pick(signal, timeoutMs);
      endpoint.inFlight++;
      endpoint.calls++;
      try {
        const response = await wireOf(endpoint).unary(method, signal, left, header, input, contextValues);
        cluster.callSucceeded(endpoint);
        return response;
      } catch (reason) {
        cluster.callFailed(endpoint, reason, currentAttempt() ?? newAttemptFacts());
        throw reason;
      } finally {
        endpoint.inFlight--;
      }
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const { endpoint, timeoutMs: left } = await pick(signal, timeoutMs);
      endpoint.calls++;
      const facts = newAttemptFacts();
      try {
        return await runAttempt(facts, () =>
          wireOf(endpoint).stream(method, signal, left, header, input, contextValues),
        );
      } catch (reason) {
        cluster.callFailed(endpoint, reason, facts);
        throw reason;
      }
    },
  };
}
