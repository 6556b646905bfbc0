import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import type { StreamResponse, UnaryResponse } from "@connectrpc/connect";
import type { Attempt, Call, CallTransport } from "../call.js";
import type { Cluster } from "./cluster.js";
import { Endpoint } from "./endpoint.js";

/**
 * The load-balancing layer of the call path (grpc-js's LoadBalancingCall), below the retry layer so that each
 * attempt is picked anew and a retried call goes to another endpoint when there is one (the attempt's `tried`; the
 * endpoint picked is written to its `endpoint`): picks an endpoint from the cluster's current
 * picker — waiting while nothing is known yet (within the call's deadline), failing fast with UNAVAILABLE when
 * everything known is down, both with the attempt "not-started" — runs the attempt on that endpoint's wire transport
 * (`wireOf`), and reports the outcome back for outlier detection. In-flight counts (which `least_request` balances
 * on) cover unary calls; a stream counts as a call when it starts.
 */
export function createPickingTransport(cluster: Cluster, wireOf: (endpoint: Endpoint) => CallTransport): CallTransport {
  /** The endpoint for an attempt: now if one is ready (no promise), else when one is or the pick fails. */
  function pick(call: Call, attempt: Attempt): Endpoint | Promise<Endpoint> {
    const picked = cluster.pick(attempt.tried);
    if (picked instanceof Endpoint) return picked;
    if (picked.kind === "fail") return Promise.reject(picked.error);
    return cluster.waitForEndpoint(call, attempt.tried);
  }

  /** Runs a unary attempt on `endpoint`, counted in flight while it runs, its outcome reported to the cluster. */
  function unaryOn<I extends DescMessage, O extends DescMessage>(
    endpoint: Endpoint,
    call: Call<DescMethodUnary<I, O>>,
    input: MessageInitShape<I>,
    attempt: Attempt,
  ): Promise<UnaryResponse<I, O>> {
    attempt.endpoint = endpoint.address;
    endpoint.inFlight++;
    endpoint.calls++;
    let response: Promise<UnaryResponse<I, O>>;
    try {
      response = wireOf(endpoint).unary(call, input, attempt);
    } catch (reason) {
      response = Promise.reject(reason);
    }
    return response.then(
      (res) => {
        try {
          cluster.callSucceeded(endpoint);
        } finally {
          endpoint.inFlight--;
        }
        return res;
      },
      (reason: unknown) => {
        try {
          cluster.callFailed(endpoint, reason, attempt);
        } finally {
          endpoint.inFlight--;
        }
        throw reason;
      },
    );
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      call: Call<DescMethodUnary<I, O>>,
      input: MessageInitShape<I>,
      attempt: Attempt,
    ): Promise<UnaryResponse<I, O>> {
      // The common case — an endpoint is ready — picks without a promise, and no async function frame per call.
      const picked = pick(call, attempt);
      if (picked instanceof Endpoint) return unaryOn(picked, call, input, attempt);
      return picked.then((endpoint) => unaryOn(endpoint, call, input, attempt));
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      call: Call<DescMethodStreaming<I, O>>,
      input: AsyncIterable<MessageInitShape<I>>,
      attempt: Attempt,
    ): Promise<StreamResponse<I, O>> {
      const endpoint = await pick(call, attempt);
      attempt.endpoint = endpoint.address;
      endpoint.calls++;
      try {
        return await wireOf(endpoint).stream(call, input, attempt);
      } catch (reason) {
        cluster.callFailed(endpoint, reason, attempt);
        throw reason;
      }
    },
  };
}
