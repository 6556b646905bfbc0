import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { newAttemptFacts, runAttempt } from "./attempt-facts.js";
import { backoffDelay } from "./backoff.js";
import { classifyFailure } from "./classify-failure.js";
import { type RetryPolicy, shouldRetry } from "./retry-policy.js";

/**
 * Wraps a transport so that unary calls are retried by `policy`, within the call's deadline: the deadline is fixed
 * when the call starts, each attempt gets what is left of it (so its `grpc-timeout` / `tri-service-timeout` header
 * shrinks), the wait between attempts never runs past it, and when nothing is left the call fails with
 * DEADLINE_EXCEEDED. The inner transport (and its interceptors) runs once per attempt.
 *
 * Streaming calls are passed through, never retried: their request messages are consumed from the caller's iterable
 * as they are sent and cannot be replayed without buffering them all, and response messages may already have been
 * handed to the caller when a stream fails. (gRPC's retry design buffers up to a limit and commits the call at the
 * first response message; that is not done here.)
 */
export function createRetryingTransport(inner: Transport, policy: RetryPolicy): Transport {
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0] | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const budget = timeoutMs === undefined ? policy.defaultTimeoutMs : timeoutMs > 0 ? timeoutMs : undefined;
      const deadline = budget === undefined ? undefined : Date.now() + budget;
      const idempotent = policy.isIdempotent(method);
      let last: ConnectError | undefined;
      for (let attempt = 1; ; attempt++) {
        // undefined = the caller's choice (no deadline, or the inner default); a number = what is left, at least 1 ms.
        let attemptTimeout = timeoutMs;
        if (deadline !== undefined) {
          const left = deadline - Date.now();
          if (left <= 0) throw deadlineExceeded(budget ?? 0, attempt - 1, last);
          attemptTimeout = left;
        }
        const facts = newAttemptFacts();
        try {
          return await runAttempt(facts, () =>
            inner.unary(method, signal, attemptTimeout, header, input, contextValues),
          );
        } catch (reason) {
          if (signal?.aborted) throw ConnectError.from(reason); // the caller cancelled: no second guessing
          const failure = classifyFailure(reason, facts);
          if (attempt > policy.retries || !shouldRetry(failure, idempotent)) throw failure.error;
          last = failure.error;
        }
        const wait = backoffDelay(attempt, policy.backoff);
        await sleep(deadline === undefined ? wait : Math.min(wait, Math.max(0, deadline - Date.now())), signal);
      }
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      return inner.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

function deadlineExceeded(budgetMs: number, attempts: number, last: ConnectError | undefined): ConnectError {
  const tail = last ? `; last attempt: ${last.rawMessage}` : "";
  return new ConnectError(
    `deadline of ${budgetMs} ms exceeded after ${attempts} attempt${attempts === 1 ? "" : "s"}${tail}`,
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
