import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import type { ContextValues, StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import { type CallCodec, type CallTransport, deadlineOf, type HeadersInit, newAttempt } from "./call.js";

/** What the top of a reference's call path fills in for every call. */
export interface ClientTransportOptions {
  /** Deadline of calls that set none, in ms; undefined = none. */
  defaultTimeoutMs: number | undefined;
  codec: CallCodec;
}

/**
 * The edge between connect's `createClient` and the consumer's call path: turns each of connect's six-parameter
 * transport calls into one `Call` — with its absolute deadline, fixed here and nowhere else — and hands it to `inner`
 * (the retry layer) with a fresh attempt report.
 */
export function createClientTransport(inner: CallTransport, options: ClientTransportOptions): Transport {
  const { defaultTimeoutMs, codec } = options;
  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const { deadline, timeoutMs: budget } = deadlineOf(timeoutMs, defaultTimeoutMs);
      const call = { method, deadline, timeoutMs: budget, signal, header, contextValues, codec };
      return inner.unary(call, input, newAttempt());
    },
    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const { deadline, timeoutMs: budget } = deadlineOf(timeoutMs, defaultTimeoutMs);
      const call = { method, deadline, timeoutMs: budget, signal, header, contextValues, codec };
      return inner.stream(call, input, newAttempt());
    },
  };
}
