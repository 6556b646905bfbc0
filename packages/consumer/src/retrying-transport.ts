import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type UnaryResponse } from "@connectrpc/connect";
import { backoffDelay } from "./backoff.js";
import { type Attempt, type Call, type CallTransport, newAttempt, timeLeftMs } from "./call.js";
import { classifyFailure } from "./classify-failure.js";
import { type RetryPolicy, shouldRetry } from "./retry-policy.js";

/**
 * The retry layer of the call path (grpc-js's RetryingCall): unary calls are retried by `policy`, within the call's
 * deadline — each attempt is the same call, so its `grpc-timeout` / `tri-service-timeout` is what is left of the one
 * deadline, the wait between attempts never runs past it, and when nothing is left the call fails with
 * DEADLINE_EXCEEDED. Whether an attempt may run again rests on how far it got, as its report says (see `Attempt`);
 * each retry is told the endpoints the earlier attempts went to (`Attempt.tried`), which the pick layer avoids.
 * The first attempt the provider refused unprocessed (REFUSED_STREAM, a GOAWAY that did not take its stream, a 503
 * from admission control) is retried once at once and not counted against `policy.retries` — gRPC's transparent
 * retry (gRFC A6; grpc-js does it with no retry policy at all), so `retries: 0` still survives a provider that
 * is draining or over its limit when another endpoint (or a new connection) can take the call.
 * The layers below (and the interceptors) run once per attempt.
 *
 * Streaming calls are passed through, never retried: their request messages are consumed from the caller's iterable
 * as they are sent and cannot be replayed without buffering them all, and response messages may already have been
 * handed to the caller when a stream fails. (gRPC's retry design buffers up to a limit and commits the call at the
 * first response message; that is not done here.)
 */
export function createRetryingTransport(inner: CallTransport, policy: RetryPolicy): CallTransport {
  /** The rest of a unary call whose first attempt, `attempt`, failed with `reason`: retries while the policy allows. */
  async function retry<I extends DescMessage, O extends DescMessage>(
    call: Call<DescMethodUnary<I, O>>,
    input: MessageInitShape<I>,
    attempt: Attempt,
    reason: unknown,
  ): Promise<UnaryResponse<I, O>> {
    const { signal } = call;
    let last: ConnectError | undefined;
    let tried: string[] | undefined; // made at the first failure: none on the path of a call that succeeds
    let transparentLeft = policy.transparent;
    // Each turn: attempt number `made` failed with `reason`; go again, or give up.
    for (let n = 1, made = 1; ; made++) {
      if (signal?.aborted) throw ConnectError.from(reason); // the caller cancelled: no second guessing
      const failure = classifyFailure(reason, attempt);
      const retryable = shouldRetry(failure, policy.isIdempotent(call.method));
      const transparent = retryable && transparentLeft && attempt.progress === "refused";
      if (!transparent && (n > policy.retries || !retryable)) throw failure.error;
      last = failure.error;
      const endpoint = attempt.endpoint;
      if (endpoint !== undefined && !tried?.includes(endpoint)) tried = [...(tried ?? []), endpoint];
      if (transparent) {
        transparentLeft = false; // at once, and not counted against the retries
      } else {
        const wait = backoffDelay(n, policy.backoff);
        await sleep(Math.min(wait, timeLeftMs(call) ?? wait), signal);
        n++;
      }
      attempt = newAttempt(tried);
      if (timeLeftMs(call) === 0) throw deadlineExceeded(call, made, last);
      try {
        return await inner.unary(call, input, attempt);
      } catch (e) {
        reason = e;
      }
    }
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      call: Call<DescMethodUnary<I, O>>,
      input: MessageInitShape<I>,
      first: Attempt,
    ): Promise<UnaryResponse<I, O>> {
      if (timeLeftMs(call) === 0) return Promise.reject(deadlineExceeded(call, 0, undefined));
      // The first attempt without an async function frame (most calls need no other); its failure goes to `retry`.
      let response: Promise<UnaryResponse<I, O>>;
      try {
        response = inner.unary(call, input, first);
      } catch (reason) {
        response = Promise.reject(reason);
      }
      return response.then(undefined, (reason: unknown) => retry(call, input, first, reason));
    },
    stream(call, input, attempt) {
      return inner.stream(call, input, attempt);
    },
  };
}

function deadlineExceeded(call: Call, attempts: number, last: ConnectError | undefined): ConnectError {
  const tail = last ? `; last attempt: ${last.rawMessage}` : "";
  return new ConnectError(
    `deadline of ${call.timeoutMs ?? 0} ms exceeded after ${attempts} attempt${attempts === 1 ? "" : "s"}${tail}`,
    Code.DeadlineExceeded,
    last?.metadata,
    undefined,
    last,
  );
}

/** Waits `ms`; rejects with CANCELED if the caller's signal aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(ConnectError.from(signal.reason, Code.Canceled));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal?.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
