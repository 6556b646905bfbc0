import type * as http2 from "node:http2";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import { errorFromNodeReason } from "./node-errors.js";

/** Messages buffered ahead of the caller before the stream stops reading (HTTP/2 flow control then holds the peer). */
const pauseAt = 16;
/** ... and the number below which it reads again. */
const resumeAt = 4;

/** How a call's parser is chosen once the response says its codec. */
export type CodecOf<O extends DescMessage> = (kind: grpc.GrpcCodecKind) => grpc.Codec<O>;

/** What the session layer is told about the response bytes read (connect-node's keep-alive bookkeeping). */
export interface ReadNotifier {
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void;
}

/**
 * The response side of one gRPC attempt on one HTTP/2 stream, for every call kind: validates the response headers
 * (`grpc.validateResponse`), reads messages with `grpc.EnvelopeReader` (the length checked against `readMaxBytes`
 * before anything is allocated), inflates gzip messages within the limit, parses them, and ends with the status of
 * the trailers (`grpc.validateTrailer`) or of a reset (`grpc.errorFromResetCode`). It ends the call at most once:
 * `fail` resets the stream with CANCEL (a deadline, the caller's abort, a bad response) unless it is closed already.
 *
 * Reading follows the caller: at most `pauseAt` messages are buffered before the stream is paused, so a caller that
 * iterates slowly slows the provider down through HTTP/2 flow control instead of growing memory.
 *
 * Invariant: `#ended` is set exactly once, with `#error` set iff the call failed; nothing is read after it. Messages
 * queued before it are still handed out (replies so far, then the error — as a deadline mid-stream ends).
 */
export class GrpcCall<O extends DescMessage> {
  readonly #stream: http2.ClientHttp2Stream;
  readonly #codecOf: CodecOf<O>;
  readonly #readMaxBytes: number;
  readonly #notifier: ReadNotifier;
  readonly #connectionLost: () => boolean;
  readonly #reader: grpc.EnvelopeReader;
  #codec: grpc.Codec<O> | undefined;
  #encoding: grpc.GrpcEncoding = "identity";
  /** Messages in order; a gzip message is its inflation's promise until it settles. */
  readonly #queue: (MessageShape<O> | Promise<MessageShape<O>>)[] = [];
  #paused = false;
  #header: http2.IncomingHttpHeaders | undefined;
  #trailer: http2.IncomingHttpHeaders | undefined;
  #trailersOnly = false;
  #responded = false;
  #ended = false;
  #error: ConnectError | undefined;
  /** Called once, when the response headers have arrived (or the call ended before they did). */
  onHeaders: (() => void) | undefined;
  /** The `next()` waiting for a message (the queue is empty while it is set). */
  #waiter: Waiter<MessageShape<O>> | undefined;
  /** Called once, when the call has ended. */
  onEnd: (() => void) | undefined;

  /**
   * `connectionLost` says whether the stream's connection ended under it (not by this consumer): a stream Node closes
   * for that is UNAVAILABLE, as PROTOCOL-HTTP2.md has a client close its calls on a connection failure, not CANCELLED.
   */
  constructor(
    stream: http2.ClientHttp2Stream,
    codecOf: CodecOf<O>,
    readMaxBytes: number,
    notifier: ReadNotifier,
    connectionLost: () => boolean = () => false,
  ) {
    this.#connectionLost = connectionLost;
    this.#stream = stream;
    this.#codecOf = codecOf;
    this.#readMaxBytes = readMaxBytes;
    this.#notifier = notifier;
    this.#reader = new grpc.EnvelopeReader(readMaxBytes, (data, flags) => this.#message(data, flags));
    stream.on("response", (headers) => this.#onResponse(headers));
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    stream.on("trailers", (trailers) => {
      this.#trailer = trailers;
    });
    stream.on("error", (e: Error) => this.#onError(e));
    stream.on("close", () => this.#onClose());
  }

  /** True once the call has ended (successfully or not). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The call's error, once it has failed. */
  get error(): ConnectError | undefined {
    return this.#error;
  }

  /**
   * True once the response headers arrived and were valid gRPC headers (not a trailers-only error): a streaming call
   * then has a response whose messages follow. False when the call ended before that.
   */
  get responded(): boolean {
    return this.#responded;
  }

  /** The response headers, once they have arrived. */
  get header(): http2.IncomingHttpHeaders | undefined {
    return this.#header;
  }

  /** The trailers, once the call has ended with them. */
  get trailer(): http2.IncomingHttpHeaders | undefined {
    return this.#trailer;
  }

  /** Messages queued and not yet taken. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Takes the next message (for a unary call, once it has ended): it, or undefined when the call ended successfully
   * and none is left, or a promise of it while a gzip message inflates. Throws the call's error.
   */
  take(): MessageShape<O> | Promise<MessageShape<O>> | undefined {
    if (this.#queue.length > 0) return this.#shift();
    if (this.#error) throw this.#error;
    return undefined;
  }

  /**
   * The next message as an iterator result, for a streaming call: at once when one is queued, else when one arrives;
   * done when the call ended successfully and none is left; rejected with the call's error.
   */
  next(): Promise<IteratorResult<MessageShape<O>>> {
    if (this.#queue.length > 0) {
      const m = this.#shift();
      return m instanceof Promise ? m.then(resultOf) : Promise.resolve({ done: false, value: m });
    }
    if (this.#ended) return this.#error ? Promise.reject(this.#error) : Promise.resolve(doneResult);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #shift(): MessageShape<O> | Promise<MessageShape<O>> {
    const next = this.#queue.shift() as MessageShape<O> | Promise<MessageShape<O>>;
    if (this.#paused && this.#queue.length <= resumeAt) {
      this.#paused = false;
      this.#stream.resume();
    }
    return next;
  }

  /** Ends the call with `error` (if it has not ended): resets the stream with CANCEL unless it is closed. */
  fail(error: ConnectError): void {
    if (this.#ended) return;
    this.#end(error);
    if (!this.#stream.closed) this.#stream.close(grpc.http2Error.cancel);
  }

  #onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    this.#header = headers;
    try {
      const validated = grpc.validateResponse(headers);
      if (validated.trailersOnly) {
        this.#trailersOnly = true;
        if (validated.error) {
          this.fail(validated.error);
          return;
        }
      }
      this.#codec = this.#codecOf(validated.codec);
      const encoding = grpc.parseResponseEncoding(grpc.nodeHeader(headers, grpc.headerEncoding));
      if (encoding instanceof ConnectError) {
        this.fail(encoding);
        return;
      }
      this.#encoding = encoding;
    } catch (e) {
      this.fail(ConnectError.from(e));
      return;
    }
    this.#responded = true;
    this.#headersArrived();
  }

  #headersArrived(): void {
    const onHeaders = this.onHeaders;
    this.onHeaders = undefined;
    onHeaders?.();
  }

  #onData(chunk: Buffer): void {
    if (this.#ended) return;
    this.#notifier.notifyResponseByteRead(this.#stream);
    if (this.#codec === undefined || this.#trailersOnly) {
      this.fail(new ConnectError("protocol error: response data without gRPC headers", Code.Internal));
      return;
    }
    try {
      this.#reader.push(chunk);
    } catch (e) {
      this.fail(ConnectError.from(e));
      return;
    }
    if (!this.#paused && this.#queue.length >= pauseAt) {
      this.#paused = true;
      this.#stream.pause();
    }
  }

  #message(data: Uint8Array, flags: number): void {
    const codec = this.#codec as grpc.Codec<O>;
    let message: MessageShape<O> | Promise<MessageShape<O>>;
    if ((flags & grpc.flagCompressed) === 0) {
      message = parse(codec, data);
    } else {
      message = grpc.decompress(this.#encoding, data, this.#readMaxBytes).then((bytes) => parse(codec, bytes));
      message.catch((e: unknown) => this.fail(ConnectError.from(e)));
    }
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#queue.push(message);
      return;
    }
    this.#waiter = undefined;
    if (message instanceof Promise) message.then((v) => waiter.resolve({ done: false, value: v }), waiter.reject);
    else waiter.resolve({ done: false, value: message });
  }

  #onError(e: Error): void {
    const rst = this.#stream.rstCode;
    this.fail(rst !== undefined && rst !== grpc.http2Error.noError ? this.#resetError(rst) : errorFromNodeReason(e));
  }

  /** The error of a stream reset before its status: the peer's RST_STREAM code, or the connection's loss. */
  #resetError(rst: number): ConnectError {
    if (!this.#connectionLost()) return grpc.errorFromResetCode(rst);
    return new ConnectError("the connection closed before the call ended", Code.Unavailable);
  }

  #onClose(): void {
    if (this.#ended) return;
    const rst = this.#stream.rstCode ?? grpc.http2Error.noError;
    const statusSeen = this.#trailersOnly || this.#trailer?.[grpc.headerStatus] !== undefined;
    if (rst !== grpc.http2Error.noError && !statusSeen) {
      this.#end(this.#resetError(rst));
      return;
    }
    if (this.#header === undefined) {
      this.#end(new ConnectError("protocol error: the stream ended without response headers", Code.Internal));
      return;
    }
    try {
      this.#reader.end();
    } catch (e) {
      this.#end(ConnectError.from(e));
      return;
    }
    const error = this.#trailersOnly ? undefined : grpc.validateTrailer(this.#trailer);
    this.#end(error ? withHeaderMetadata(error, this.#header) : undefined);
  }

  #end(error: ConnectError | undefined): void {
    this.#ended = true;
    this.#error = error;
    this.#headersArrived();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) {
      if (error) waiter.reject(error);
      else waiter.resolve(doneResult);
    }
    this.onEnd?.();
  }
}

/** A pending `next()`. */
interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

const doneResult: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

function resultOf<T>(value: T): IteratorResult<T> {
  return { done: false, value };
}

/** Parses a response message; a message that does not parse is INTERNAL on the client, whatever the codec says. */
function parse<O extends DescMessage>(codec: grpc.Codec<O>, data: Uint8Array): MessageShape<O> {
  try {
    return codec.parse(data);
  } catch (e) {
    const error = ConnectError.from(e);
    throw new ConnectError(`cannot parse the response message: ${error.rawMessage}`, Code.Internal);
  }
}

/** The error with the response headers in front of its metadata (the trailers), as connect's clients report it. */
function withHeaderMetadata(error: ConnectError, header: http2.IncomingHttpHeaders): ConnectError {
  const metadata = grpc.headersFromNode(header);
  for (const [k, v] of error.metadata) metadata.append(k, v);
  const merged = new ConnectError(error.rawMessage, error.code, metadata, undefined, error.cause);
  merged.details = error.details;
  merged.isWireError = error.isWireError;
  return merged;
}
