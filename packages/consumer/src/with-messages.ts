import type { DescMessage } from "@bufbuild/protobuf";
import type { StreamResponse } from "@connectrpc/connect";

/**
 * A streaming response with its messages replaced (a layer that watches them: metrics, tracing), its `header` and
 * `trailer` read from the original when asked for — not copied, so that one built lazily stays so and the trailer
 * filled at the end of the call is the one the caller sees.
 */
export function withMessages<I extends DescMessage, O extends DescMessage>(
  res: StreamResponse<I, O>,
  message: AsyncIterable<unknown>,
): StreamResponse<I, O> {
  return {
    stream: true,
    service: res.service,
    method: res.method,
    get header() {
      return res.header;
    },
    get trailer() {
      return res.trailer;
    },
    message: message as StreamResponse<I, O>["message"],
  };
}
