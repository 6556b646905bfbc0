import type { DescService } from "@bufbuild/protobuf";
import type { CallOptions } from "@connectrpc/connect";

type StreamingMethod = (input: unknown, options?: CallOptions) => AsyncIterable<unknown>;

/**
 * Makes a client's server-streaming and bidi methods cancel their call when the caller stops reading early —
 * `break`, `return` or a throw out of `for await` over the replies — as gRPC clients do: the HTTP/2 stream gets
 * RST_STREAM(CANCEL) and the provider's handler sees its signal abort. connect's client deliberately hands out
 * iterables without `return()`, so without this such a stream stays open until the provider ends it or the deadline
 * passes, and a handler producing an endless stream keeps running for nobody. Reading to the end is unchanged; the
 * caller's own AbortSignal still cancels as before. Changes `client` in place.
 */
export function cancelStreamsOnReturn<T extends object>(client: T, service: DescService): T {
  const methods = client as unknown as Record<string, StreamingMethod>;
  for (const method of service.methods) {
    if (method.methodKind !== "server_streaming" && method.methodKind !== "bidi_streaming") continue;
    const call = methods[method.localName];
    if (typeof call !== "function") continue;
    methods[method.localName] = (input, options = {}) => {
      const stop = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
      const replies = call(input, { ...options, signal });
      return {
        [Symbol.asyncIterator]() {
          const it = replies[Symbol.asyncIterator]();
          let done = false;
          return {
            async next() {
              const r = await it.next();
              if (r.done) done = true;
              return r;
            },
            async return(value?: unknown) {
              if (!done) stop.abort();
              done = true;
              return { done: true as const, value };
            },
          };
        },
      };
    };
  }
  return client;
}
