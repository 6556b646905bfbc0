import type { DescMessage, DescMethodStreaming } from "@bufbuild/protobuf";
import type { StreamResponse } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { GrpcCall } from "./grpc-call.js";

/**
 * A streaming call's response whose Headers objects are built only if someone reads them (connect's client reads
 * them only for `onHeader`/`onTrailer` callbacks), from node:http2's header objects: the first Headers object of a
 * process loads Node's bundled undici (measured: ~17 MiB resident, ~150 ms), and each one costs more than the rest
 * of a short stream's response. `trailer` is connect's: the same object before and after the call ends, filled with
 * the trailers when it has ended successfully.
 */
export class LazyStreamResponse<I extends DescMessage, O extends DescMessage> implements StreamResponse<I, O> {
  readonly stream = true as const;
  readonly service;
  readonly #call: GrpcCall<O>;
  #header: Headers | undefined;
  #trailer: Headers | undefined;

  constructor(
    readonly method: DescMethodStreaming<I, O>,
    call: GrpcCall<O>,
    readonly message: AsyncIterable<never>,
  ) {
    this.service = method.parent;
    this.#call = call;
  }

  get header(): Headers {
    this.#header ??= grpc.headersFromNode(this.#call.header);
    return this.#header;
  }

  get trailer(): Headers {
    if (this.#trailer === undefined) {
      this.#trailer = new Headers();
      if (this.#call.ended) this.#fill(this.#trailer);
    }
    return this.#trailer;
  }

  /** The call has ended: fills the trailer if it was handed out before. */
  ended(): void {
    if (this.#trailer !== undefined) this.#fill(this.#trailer);
  }

  #fill(trailer: Headers): void {
    if (this.#call.error) return;
    for (const [k, v] of grpc.headersFromNode(this.#call.trailer)) trailer.append(k, v);
  }
}
