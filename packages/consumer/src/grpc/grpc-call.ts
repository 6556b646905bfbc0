import type * as http2 from "node:http2";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { Attempt } from "../call.js";
import type { GrpcSession } from "./grpc-session.js";
import { errorFromNodeReason } from "./node-errors.js";

/** Messages buffered ahead of the caller before the stream stops reading (HTTP/2 flow control then holds the peer). */
const pauseAt = 16;
/** ... and the number below which it reads again. */
const resumeAt = 4;

/** How a call's parser is chosen once the response says its codec (one function per method, not per call). */
export type CodecOf<O extends DescMessage> = (kind: grpc.GrpcCodecKind) => grpc.Codec<O>;

/** The call listening to a stream, kept on the stream so that one set of listener functions serves every call. */
const callOf = Symbol("dubbo-mesh.grpcCall");
type CallStream = http2.ClientHttp2Stream & { [callOf]: GrpcCall<DescMessage> | undefined };

/**
 * One gRPC attempt on one HTTP/2 stream, for every call kind, from before its stream is open to its end. It owns
 * the attempt's end: the deadline's timer and the caller's abort are armed from the start (`arm`), so that a
 * connection that takes long to establish is bounded by them too, and a stream that opens after the end is reset at
 * once (`attach`). The response side: validates the response headers (`grpc.validateResponse`), reads messages with
 * `grpc.EnvelopeReader` (the length checked against `readMaxBytes` before anything is allocated), inflates gzip
 * messages within the limit, parses them, and ends with the status of the trailers (`grpc.validateTrailer`) or of a
 * reset (`grpc.errorFromResetCode`). It ends at most once: `fail` resets the stream with CANCEL (a deadline, the
 * caller's abort, a bad response) unless it is closed already. The stream's events are reported to the session
 * (`GrpcSession`), which writes the attempt's report from them.
 *
 * Reading follows the caller: at most `pauseAt` messages are buffered before the stream is paused, so a caller that
 * iterates slowly slows the provider down through HTTP/2 flow control instead of growing memory.
 *
 * Invariant: `#ended` is set exactly once, with `#error` set iff the call failed; nothing is read after it, and the
 * timer and abort listener are gone. Messages queued before it are still handed out (replies so far, then the error
 * — as a deadline mid-stream ends).
 */
export class GrpcCall<O extends DescMessage> {
  #stream: http2.ClientHttp2Stream | undefined;
  /** The stream's session, read when it was opened (a closed stream has none). */
  #session: http2.Http2Session | undefined;
  readonly #codecOf: CodecOf<O>;
  readonly #readMaxBytes: number;
  readonly #connection: GrpcSession;
  readonly #attempt: Attempt;
  #reader: grpc.EnvelopeReader | undefined;
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
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  /** Called once, when the response headers have arrived (or the call ended before they did). */
  onHeaders: (() => void) | undefined;
  /** The `next()` waiting for a message (the queue is empty while it is set). */
  #waiter: Waiter<MessageShape<O>> | undefined;
  /** Called once, when the call has ended. */
  onEnd: (() => void) | undefined;

  /** The stream listeners, shared by every call: `this` is the stream (EventEmitter's contract). */
  static readonly #listeners = {
    response(this: CallStream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
      const call = this[callOf];
      if (call !== undefined) call.#onResponse(headers);
    },
    data(this: CallStream, chunk: Buffer): void {
      const call = this[callOf];
      if (call !== undefined) call.#onData(chunk);
    },
    trailers(this: CallStream, trailers: http2.IncomingHttpHeaders): void {
      const call = this[callOf];
      if (call !== undefined) call.#onTrailers(trailers);
    },
    error(this: CallStream, e: Error): void {
      const call = this[callOf];
      if (call !== undefined) call.#onError(e);
    },
    close(this: CallStream): void {
      const call = this[callOf];
      // 'close' is the stream's last event. Node keeps a closed stream reachable until a full GC (its native
      // handle's weak reference holds it through every scavenge), and the call with it, so the stream lets go of
      // the call here: the call and what it holds (response, reader, the caller's promise) die young.
      this[callOf] = undefined;
      if (call !== undefined) call.#onClose();
    },
  };

  /**
   * `connection` is the session the stream comes from, told the stream's events; `attempt` the attempt's report,
   * whose `connectionLost` makes a stream Node closes for that UNAVAILABLE, as PROTOCOL-HTTP2.md has a client close
   * its calls on a connection failure, not CANCELLED.
   */
  constructor(codecOf: CodecOf<O>, readMaxBytes: number, connection: GrpcSession, attempt: Attempt) {
    this.#codecOf = codecOf;
    this.#readMaxBytes = readMaxBytes;
    this.#connection = connection;
    this.#attempt = attempt;
  }

  /**
   * Arms the attempt's ends: the caller's `signal` (CANCELED; at once if it has aborted) and a timer of `timeoutMs`
   * (DEADLINE_EXCEEDED). Both go when the call ends.
   */
  arm(signal: AbortSignal | undefined, timeoutMs: number | undefined): void {
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(ConnectError.from(signal.reason, Code.Canceled));
        return;
      }
      this.#signal = signal;
      signal.addEventListener("abort", this, { once: true });
    }
    if (timeoutMs !== undefined) this.#timer = setTimeout(onTimeout, timeoutMs, this);
  }

  /** The caller's signal aborted (this call is its listener: `EventListenerObject`). */
  handleEvent(): void {
    this.fail(ConnectError.from(this.#signal?.reason, Code.Canceled));
  }

  /**
   * Takes the attempt's stream, just opened (listeners before anything else runs). Returns false — the stream is
   * reset — when the call has ended already (its deadline or abort came first).
   */
  attach(stream: http2.ClientHttp2Stream): boolean {
    if (this.#ended) {
      this.#connection.abandon(stream, this.#attempt);
      return false;
    }
    this.#stream = stream;
    this.#session = stream.session as http2.Http2Session;
    (stream as CallStream)[callOf] = this as unknown as GrpcCall<DescMessage>;
    const on = GrpcCall.#listeners;
    stream.on("response", on.response);
    stream.on("data", on.data);
    stream.on("trailers", on.trailers);
    stream.on("error", on.error);
    stream.on("close", on.close);
    return true;
  }

  /** No stream could be opened: the call ends with the connection's error (unless it has ended already). */
  openFailed(reason: unknown): void {
    if (!this.#ended) this.#end(errorFromNodeReason(reason));
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
      this.#stream?.resume();
    }
    return next;
  }

  /** Ends the call with `error` (if it has not ended): resets the stream with CANCEL unless it is closed. */
  fail(error: ConnectError): void {
    if (this.#ended) return;
    this.#end(error);
    const stream = this.#stream;
    if (stream !== undefined && !stream.closed) stream.close(grpc.http2Error.cancel);
  }

  /** The response headers arrived. */
  #onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    this.#connection.streamResponded(this.#stream as http2.ClientHttp2Stream);
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

  /** A DATA chunk arrived. */
  #onData(chunk: Buffer): void {
    if (this.#ended) return;
    const stream = this.#stream as http2.ClientHttp2Stream;
    this.#connection.notifyResponseByteRead(stream);
    if (this.#codec === undefined || this.#trailersOnly) {
      this.fail(new ConnectError("protocol error: response data without gRPC headers", Code.Internal));
      return;
    }
    try {
      this.#reader ??= new grpc.EnvelopeReader(this.#readMaxBytes, (data, flags) => this.#message(data, flags));
      this.#reader.push(chunk);
    } catch (e) {
      this.fail(ConnectError.from(e));
      return;
    }
    if (!this.#paused && this.#queue.length >= pauseAt) {
      this.#paused = true;
      stream.pause();
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

  /** The trailers arrived. */
  #onTrailers(trailers: http2.IncomingHttpHeaders): void {
    this.#connection.streamResponded(this.#stream as http2.ClientHttp2Stream);
    this.#trailer = trailers;
  }

  /** The stream errored (Node emits 'error' for a non-zero RST code, then 'close'). */
  #onError(e: Error): void {
    const stream = this.#stream as http2.ClientHttp2Stream;
    this.#connection.streamFailed(stream, this.#session as http2.Http2Session, this.#attempt);
    const rst = stream.rstCode;
    this.fail(rst !== undefined && rst !== grpc.http2Error.noError ? this.#resetError(rst) : errorFromNodeReason(e));
  }

  /** The error of a stream reset before its status: the peer's RST_STREAM code, or the connection's loss. */
  #resetError(rst: number): ConnectError {
    if (!this.#attempt.connectionLost) return grpc.errorFromResetCode(rst);
    return new ConnectError("the connection closed before the call ended", Code.Unavailable);
  }

  /** The stream closed. */
  #onClose(): void {
    const stream = this.#stream as http2.ClientHttp2Stream;
    this.#connection.streamClosed(stream, this.#session as http2.Http2Session, this.#attempt);
    if (this.#ended) return;
    const rst = stream.rstCode ?? grpc.http2Error.noError;
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
      this.#reader?.end();
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
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this);
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

function onTimeout(call: GrpcCall<DescMessage>): void {
  call.fail(new ConnectError("the operation timed out", Code.DeadlineExceeded));
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
