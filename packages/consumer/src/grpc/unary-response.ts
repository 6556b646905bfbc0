import type * as http2 from "node:http2";
import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import type { UnaryResponse } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";

/**
 * A unary response whose Headers objects are built only if someone reads them (connect's client reads them only for
 * `onHeader`/`onTrailer` callbacks), from node:http2's header objects.
 */
export class LazyUnaryResponse<I extends DescMessage, O extends DescMessage> implements UnaryResponse<I, O> {
  readonly stream = false as const;
  readonly service;
  #header: Headers | undefined;
  #trailer: Headers | undefined;
  readonly #rawHeader: http2.IncomingHttpHeaders | undefined;
  readonly #rawTrailer: http2.IncomingHttpHeaders | undefined;

  constructor(
    readonly method: DescMethodUnary<I, O>,
    readonly message: MessageShape<O>,
    rawHeader: http2.IncomingHttpHeaders | undefined,
    rawTrailer: http2.IncomingHttpHeaders | undefined,
  ) {
    this.service = method.parent;
    this.#rawHeader = rawHeader;
    this.#rawTrailer = rawTrailer;
  }

  get header(): Headers {
    this.#header ??= grpc.headersFromNode(this.#rawHeader);
    return this.#header;
  }

  get trailer(): Headers {
    this.#trailer ??= grpc.headersFromNode(this.#rawTrailer);
    return this.#trailer;
  }
}
