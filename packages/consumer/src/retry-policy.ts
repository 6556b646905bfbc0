import type { DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { BackoffOptions } from "./backoff.js";
import type { ClassifiedFailure } from "./classify-failure.js";

/** When and how a reference retries a failed unary call. */
export interface RetryPolicy {
  /** Attempts after the first (`dubbo.consumer.retries`; Dubbo's default 2, so three attempts at most). */
  retries: number;
  /** Whether the first refused attempt is retried at once and uncounted (gRPC's transparent retry). */
  transparent: boolean;
  /** Whether a method may run twice (see `idempotencyOf`). */
  isIdempotent: (method: DescMethod) => boolean;
  /** Waits between attempts. */
  backoff: BackoffOptions;
}

/**
 * Decides whether a failed attempt may be tried again (if retries and time are left): always when its request cannot
 * have reached the handler, and for an idempotent method also when it may have but the failure is UNAVAILABLE
 * (the connection went away, the provider is shutting down). A deadline or a cancellation is final.
 */
export function shouldRetry(failure: ClassifiedFailure, idempotent: boolean): boolean {
  const code = failure.error.code;
  if (code === Code.DeadlineExceeded || code === Code.Canceled) return false;
  return failure.delivery === "not-delivered" || (idempotent && code === Code.Unavailable);
}
