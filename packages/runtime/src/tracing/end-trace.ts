import { ConnectError } from "@connectrpc/connect";

/** What ending a call's span needs: a server or client trace (see `RpcTracing`). */
interface EndableTrace {
  end(code: number | string, message?: string): void;
}

/** Ends a trace with the gRPC code and message of whatever a call failed with. */
export function endTraceWithError(trace: EndableTrace, reason: unknown): void {
  const error = ConnectError.from(reason);
  trace.end(error.code, error.rawMessage);
}

/**
 * Passes a streaming call's messages through and ends its trace when the stream does: OK at its end, the error's code
 * when it throws, CANCELLED (1) with `abandonedMessage` when the reader stops early.
 */
export async function* traceStream<T>(
  messages: AsyncIterable<T>,
  trace: EndableTrace,
  abandonedMessage: string,
): AsyncIterable<T> {
  let ended = false;
  try {
    yield* messages;
    ended = true;
    trace.end(0);
  } catch (e) {
    ended = true;
    endTraceWithError(trace, e);
    throw e;
  } finally {
    if (!ended) trace.end(1, abandonedMessage);
  }
}
