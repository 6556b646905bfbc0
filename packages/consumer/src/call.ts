import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import type { ContextValues, StreamResponse, UnaryResponse } from "@connectrpc/connect";

/** Initial headers of a call, as connect's client passes them. */
export type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** How a call's messages are serialized: binary protobuf, or protobuf's JSON mapping (`application/grpc+json`). */
export type CallCodec = "proto" | "json";

/**
 * One call, as every layer of the consumer's call path sees it (resolve -> retry -> pick -> wire): made once, at the
 * top, from what the caller passed to the client, and never changed below. The deadline is absolute, so no layer
 * recomputes it: each reads what is left with `timeLeftMs`.
 */
export interface Call<M = DescMethodUnary | DescMethodStreaming> {
  readonly method: M;
  /** When the call must have ended, epoch ms (`Date.now()`); undefined = no deadline. */
  readonly deadline: number | undefined;
  /** The budget `deadline` was made from, in ms, for messages ("deadline of 300 ms exceeded"). */
  readonly timeoutMs: number | undefined;
  /** The caller's signal; aborting it cancels the call (CANCELED). */
  readonly signal: AbortSignal | undefined;
  /** The caller's request headers (metadata). */
  readonly header: HeadersInit | undefined;
  /** The caller's context values, handed to interceptors. */
  readonly contextValues: ContextValues | undefined;
  /** How messages are serialized. */
  readonly codec: CallCodec;
}

/**
 * How far an attempt got, as grpc-js's `RpcProgress`: "not-started" — nothing of it left this process (no
 * connection, no endpoint, no stream id); "refused" — the provider said it did not process it (RST_STREAM
 * REFUSED_STREAM, or a GOAWAY whose last-stream-id is below the stream's); "processed" — it may have reached the
 * handler. The first two make any call safe to retry.
 */
export type Progress = "not-started" | "refused" | "processed";

/**
 * The report of one attempt: the layer that puts it on the wire writes it while the attempt runs, the layers above
 * (retry, pick) read it when the attempt has ended. Passed down explicitly with the call, one per attempt.
 *
 * Invariant: `progress` only moves away from "not-started" once the attempt may have left the process, and
 * `connectionLost` is only set when `progress` is not "not-started".
 */
export interface Attempt {
  progress: Progress;
  /** The connection carrying the attempt ended before it completed, and not because this consumer closed it. */
  connectionLost: boolean;
  /** The address of the endpoint the attempt was sent to, written by the pick layer when it picks one. */
  endpoint?: string;
  /**
   * The endpoints earlier attempts of the same call went to, written by the retry layer: the pick layer prefers
   * another one while any is in rotation (Envoy's `previous_hosts` retry predicate), so that a retry of an attempt an
   * overloaded provider refused does not land on it again.
   */
  readonly tried?: readonly string[];
}

/** A fresh report: nothing sent yet; `tried` are the endpoints of the call's earlier attempts, if any. */
export function newAttempt(tried?: readonly string[]): Attempt {
  return tried === undefined || tried.length === 0
    ? { progress: "not-started", connectionLost: false }
    : { progress: "not-started", connectionLost: false, tried };
}

/**
 * One layer of the call path: runs one attempt of a call. A rejection is the attempt's failure; `attempt` says how
 * far it got. A stream's promise settles when the response headers arrive (or the call fails before).
 */
export interface CallTransport {
  unary<I extends DescMessage, O extends DescMessage>(
    call: Call<DescMethodUnary<I, O>>,
    input: MessageInitShape<I>,
    attempt: Attempt,
  ): Promise<UnaryResponse<I, O>>;
  stream<I extends DescMessage, O extends DescMessage>(
    call: Call<DescMethodStreaming<I, O>>,
    input: AsyncIterable<MessageInitShape<I>>,
    attempt: Attempt,
  ): Promise<StreamResponse<I, O>>;
}

/**
 * The absolute deadline of a call from the caller's `timeoutMs`: undefined takes `defaultTimeoutMs`, 0 or less means
 * none. The one place a deadline is computed.
 */
export function deadlineOf(
  timeoutMs: number | undefined,
  defaultTimeoutMs: number | undefined,
): { deadline: number | undefined; timeoutMs: number | undefined } {
  const budget = timeoutMs === undefined ? defaultTimeoutMs : timeoutMs > 0 ? timeoutMs : undefined;
  return { deadline: budget === undefined ? undefined : Date.now() + budget, timeoutMs: budget };
}

/** What is left of a call's deadline in ms (0 when it has passed), or undefined when it has none. */
export function timeLeftMs(call: Pick<Call, "deadline">): number | undefined {
  return call.deadline === undefined ? undefined : Math.max(0, call.deadline - Date.now());
}

/**
 * The timeout of an attempt on the wire (`grpc-timeout`, `tri-service-timeout`, the local timer): what is left of
 * the deadline, at least 1 ms; undefined when the call has none.
 */
export function attemptTimeoutMs(call: Pick<Call, "deadline">): number | undefined {
  return call.deadline === undefined ? undefined : Math.max(1, call.deadline - Date.now());
}
