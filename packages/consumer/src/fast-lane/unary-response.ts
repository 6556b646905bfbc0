import type * as http2 from "node:http2";
import { type DescMessage, type DescMethodUnary, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type UnaryResponse } from "@connectrpc/connect";
import { codeFromHttpStatus, findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { grpc, headersFromNode } from "@dubbo-mesh/protocol";

/**
 * A unary response whose Headers objects are built only if someone reads them (connect's client reads them only for
 * `onHeader`/`onTrailer` callbacks).
 */
class LazyUnaryResponse<I extends DescMessage, O extends DescMessage> implements UnaryResponse<I, O> {
  readonly stream = false as const;
  readonly service;
  #header: Headers | undefined;
  #trailer: Headers | undefined;
  constructor(
    readonly method: DescMethodUnary<I, O>,
    readonly message: MessageShape<O>,
    private readonly rawHeader: http2.IncomingHttpHeaders | undefined,
    private readonly rawTrailer: http2.IncomingHttpHeaders | undefined,
  ) {
    this.service = method.parent;
  }
  get header(): Headers {
    this.#header ??= headersFromNode(this.rawHeader);
    return this.#header;
  }
  get trailer(): Headers {
    this.#trailer ??= headersFromNode(this.rawTrailer);
    return this.#trailer;
  }
}

/**
 * Turns what came back on a unary gRPC stream into the response or the error, with the checks of connect's gRPC
 * transport: HTTP status (non-200 mapped as gRPC's HTTP-to-status table), a gRPC content type, the status in trailers
 * or a trailers-only response, exactly one message, not compressed (nothing was offered).
 */
export function readUnaryResponse<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  header: http2.IncomingHttpHeaders | undefined,
  trailer: http2.IncomingHttpHeaders | undefined,
  chunks: Buffer[],
  size: number,
  readMaxBytes: number,
): UnaryResponse<I, O> {
  if (!header) throw new ConnectError("protocol error: missing response headers", Code.Internal);
  const status = Number(header[":status"]);
  const statusSource = header[grpc.headerStatus] !== undefined ? header : trailer;
  const contentType = String(header[grpc.headerContentType] ?? "");
  if (status !== 200 || !grpc.isGrpcContentType(contentType)) {
    if (statusSource?.[grpc.headerStatus] === undefined) {
      const code = status === 200 ? Code.Unknown : codeFromHttpStatus(status);
      throw new ConnectError(
        `HTTP ${status}${contentType ? ` with content type ${contentType}` : ""}`,
        code,
        headersFromNode(header),
      );
    }
  }
  if (statusSource?.[grpc.headerStatus] === undefined) {
    throw new ConnectError("protocol error: missing status", Code.Internal, headersFromNode(header));
  }
  if (statusSource[grpc.headerStatus] !== grpc.statusOk) {
    const metadata = headersFromNode(header);
    if (trailer) for (const [k, v] of headersFromNode(trailer)) metadata.append(k, v);
    // The error carries `metadata` (headers and trailers) as its metadata, as on connect's general path.
    throw findTrailerError(metadata) ?? new ConnectError("unknown error", Code.Unknown, metadata);
  }
  const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  if (buf.length < 5)
    throw new ConnectError("protocol error: missing output message for unary method", Code.Unimplemented);
  if ((buf[0] ?? 0) & 1)
    throw new ConnectError("protocol error: received compressed output without grpc-encoding", Code.Internal);
  const length = buf.readUInt32BE(1);
  if (length > readMaxBytes) {
    throw new ConnectError(
      `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
      Code.ResourceExhausted,
    );
  }
  if (buf.length !== 5 + length) {
    throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
  }
  let message: MessageShape<O>;
  try {
    message = fromBinary(method.output, buf.subarray(5));
  } catch (e) {
    throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
  return new LazyUnaryResponse(method, message, header, trailer);
}
