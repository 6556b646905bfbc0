import * as http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { RpcCompletion, RpcFailureKind, RpcTracing, ServerCallTrace } from "@dubbo-mesh/runtime";
import { CallContext, type ContextSource } from "./call-context.js";
import { FrameWriter } from "./frame-writer.js";

/** Calls in progress on one engine, ended together when the provider shuts down. */
export type ActiveCalls = Set<ServerCall>;

/** Response messages smaller than this go out uncompressed even on a gzip call (compressing them costs more). */
const compressMinBytes = 1024;

/**
 * One gRPC call on the provider, on its HTTP/2 stream — the one object that owns how the call ends, whatever its
 * kind. It ends exactly once: by the handler (`respondUnary`, or `finish` after the last message), by an error
 * (`fail`), at its deadline, when the client resets the stream, or when the provider shuts down (`cancel`). Ending
 * it records the metrics once, aborts the handler's signal (success included, as connect does: the reason is the
 * call's error, or CANCELLED "the call has ended"), runs the kind's own clean-up (`onEnd`: stop reading, stop the
 * handler's iterator) and writes the status: trailers-only when nothing was sent yet, trailers otherwise.
 */
export class ServerCall implements ContextSource {
  readonly method: DescMethod;
  readonly stream: http2.ServerHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders;
  readonly context: CallContext;
  /** The codec of request and response messages. */
  readonly codec: grpc.GrpcCodecKind;
  /** The encoding of the request messages. */
  readonly encoding: grpc.GrpcEncoding;
  /** Set by the call kind: clean-up when the call ends (the error, or undefined on success). */
  onEnd: ((error: ConnectError | undefined) => void) | undefined;
  readonly #active: ActiveCalls;
  readonly #deadline: number | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #done: RpcCompletion | undefined;
  /** The call's server span (OpenTelemetry), when tracing is on; the handler runs in it (`trace.bind`). */
  readonly trace: ServerCallTrace | undefined;
  readonly #responseEncoding: grpc.GrpcEncoding;
  // Invariants: `#ended` once the call's end was decided (nothing after it changes the outcome); `#headersSent` once
  // the response HEADERS went out; `#status` is the error the trailers carry (undefined: OK).
  #ended = false;
  #headersSent = false;
  #status: ConnectError | undefined;
  #controller: AbortController | undefined;
  #abortReason: ConnectError | undefined;
  #writer: FrameWriter | undefined;
  /** How the metrics count the failure, when the code alone does not say (see `fail`). */
  #failureKind: RpcFailureKind | undefined;

  constructor(
    method: DescMethod,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    codec: grpc.GrpcCodecKind,
    encoding: grpc.GrpcEncoding,
    timeoutMs: number | undefined,
    active: ActiveCalls,
    done: RpcCompletion | undefined,
    tracing?: RpcTracing,
  ) {
    this.method = method;
    this.stream = stream;
    this.headers = headers;
    this.codec = codec;
    this.encoding = encoding;
    this.#active = active;
    this.#responseEncoding =
      encoding === "identity"
        ? "identity"
        : grpc.responseEncoding(encoding, grpc.nodeHeader(headers, grpc.headerAcceptEncoding));
    this.context = new CallContext(this);
    this.#done = done;
    const socket = stream.session?.socket;
    this.trace = tracing?.startServer({
      system: "grpc",
      service: method.parent.typeName,
      method: method.name,
      headers,
      peerAddress: socket?.remoteAddress,
      peerPort: socket?.remotePort,
      localAddress: socket?.localAddress,
      localPort: socket?.localPort,
    });
    active.add(this);
    stream.on("close", this.#onClose);
    if (timeoutMs !== undefined) {
      this.#deadline = Date.now() + timeoutMs;
      this.#timer = setTimeout(() => this.finish(deadlineExceeded()), timeoutMs);
    }
  }

  /** True once the call's end is decided. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The handler's signal; built on first read, aborted when the call ends. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#abortReason ?? callEnded());
    }
    return this.#controller.signal;
  }

  timeoutMs(): number | undefined {
    return this.#deadline === undefined ? undefined : this.#deadline - Date.now();
  }

  /** Answers a call with one response message (unary, client streaming): HEADERS, the message, trailers. */
  respondUnary(message: Uint8Array): void {
    if (!this.#end(undefined)) return;
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    this.#headersSent = true;
    stream.respond(this.#responseHeaders(), { waitForTrailers: true });
    stream.once("wantTrailers", this.#sendTrailers);
    if (this.#responseEncoding === "gzip" && message.length >= compressMinBytes) {
      grpc.compress(message).then(
        (packed) => stream.end(grpc.frameMessage(packed, grpc.flagCompressed)),
        () => stream.end(grpc.frameMessage(message)),
      );
    } else {
      stream.end(grpc.frameMessage(message));
    }
  }

  /**
   * Sends one message of a streaming response (the HEADERS first, with what the handler set by then). Returns a
   * promise when the next message should wait — the stream's buffer is full until the client reads (or a compression
   * is under way) — and undefined when it can follow at once.
   */
  send(message: Uint8Array): Promise<void> | undefined {
    if (this.#ended || this.stream.destroyed) return undefined;
    if (!this.#headersSent) this.#sendHeaders();
    const writer = this.#writer as FrameWriter;
    if (this.#responseEncoding === "gzip" && message.length >= compressMinBytes) {
      return grpc.compress(message).then((packed) => {
        if (!this.#ended) writer.add(packed, grpc.flagCompressed);
        return this.#drained();
      });
    }
    writer.add(message);
    return this.#drained();
  }

  /** Ends the call after its messages: OK, or the error in the trailers (trailers-only if nothing was sent). */
  finish(error: ConnectError | undefined): void {
    if (!this.#end(error)) return;
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    if (!this.#headersSent) {
      if (error) {
        // Trailers-only: one HEADERS frame with the status and END_STREAM.
        stream.respond(grpc.setTrailerStatus(this.#withTrailers(this.#responseHeaders()), error), { endStream: true });
        this.#closeUnread(false);
        return;
      }
      this.#sendHeaders();
    } else if (
      error &&
      stream.writableNeedDrain &&
      (error.code === Code.DeadlineExceeded || error.code === Code.Canceled)
    ) {
      // The client stopped reading: the trailers would wait behind data it never takes. Reset instead, so the
      // stream (and what it buffers) goes now.
      stream.close(grpc.resetCodeFromCode(error.code));
      return;
    }
    this.#status = error;
    this.#writer?.flush();
    stream.end();
  }

  /**
   * Ends the call with an error: a thrown value as the client gets it (a ConnectError as is, INTERNAL otherwise).
   * `kind` tells the metrics what failed when the code does not (`codec`: a response message did not serialize); a
   * thrown value that is no ConnectError, by default, is the handler's own failure — Dubbo's business failure.
   */
  fail(e: unknown, kind?: RpcFailureKind): void {
    if (this.#ended) return;
    const error = toCallError(e, this.#controller?.signal);
    this.#failureKind = kind ?? (e === error.cause && !(e instanceof ConnectError) ? "business" : undefined);
    this.finish(error);
  }

  /** Ends the call from outside (provider shutdown) with the given error. */
  cancel(error: ConnectError): void {
    this.finish(error);
  }

  /** Decides the end: returns false if it was decided before. */
  #end(error: ConnectError | undefined): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#active.delete(this);
    this.#done?.(error ? error.code : 0, this.#failureKind);
    this.trace?.end(error ? error.code : 0, error?.rawMessage);
    this.#abortReason = error;
    this.#controller?.abort(error ?? callEnded());
    this.onEnd?.(error);
    return true;
  }

  #sendHeaders(): void {
    this.#headersSent = true;
    this.#writer = new FrameWriter(this.stream);
    this.stream.respond(this.#responseHeaders(), { waitForTrailers: true });
    this.stream.once("wantTrailers", this.#sendTrailers);
  }

  readonly #sendTrailers = (): void => {
    const stream = this.stream;
    if (stream.destroyed) return;
    stream.sendTrailers(grpc.setTrailerStatus(this.#withTrailers({}), this.#status));
    this.#closeUnread(true);
  };

  /**
   * After the response, asks a client still sending to stop with RST_STREAM(NO_ERROR), as RFC 9113 §8.1 provides:
   * nobody reads the rest of its request (a message over the limit, a handler that returned early).
   */
  #closeUnread(later: boolean): void {
    const stream = this.stream;
    if (stream.readableEnded) return;
    const close = () => {
      if (!stream.closed && !stream.destroyed && !stream.readableEnded) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    };
    // From the trailers' callback, after nghttp2's send callback has returned (Node flushes the trailers first).
    if (later) setImmediate(close);
    else close();
  }

  #drained(): Promise<void> | undefined {
    if (!this.stream.writableNeedDrain) return undefined;
    return new Promise((resolve) => this.stream.once("drain", resolve));
  }

  #responseHeaders(): http2.OutgoingHttpHeaders {
    const out: http2.OutgoingHttpHeaders = { ":status": 200, [grpc.headerContentType]: grpc.contentTypeOf(this.codec) };
    if (this.#responseEncoding === "gzip") out[grpc.headerEncoding] = "gzip";
    // A client that names an encoding (one this side has or not) learns which ones it may use.
    if (this.headers[grpc.headerEncoding] !== undefined) out[grpc.headerAcceptEncoding] = grpc.acceptEncodingValue;
    return grpc.headersToNode(this.context.responseHeaderIfSet, out);
  }

  #withTrailers(out: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
    return grpc.headersToNode(this.context.responseTrailerIfSet, out);
  }

  readonly #onClose = (): void => {
    if (this.#ended) return;
    const name = grpc.resetCodeName(this.stream.rstCode ?? http2.constants.NGHTTP2_CANCEL);
    this.#end(new ConnectError(`the client cancelled the call (RST_STREAM ${name})`, Code.Canceled));
  };
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}

function callEnded(): ConnectError {
  return new ConnectError("the call has ended", Code.Canceled);
}

/**
 * The error a failed call answers with: a ConnectError as thrown; the call's own end (deadline, cancel) when a
 * handler rethrows what its signal said; INTERNAL for anything else, with nothing of the thrown value leaking.
 */
function toCallError(e: unknown, signal: AbortSignal | undefined): ConnectError {
  if (e instanceof ConnectError) return e;
  if (signal?.aborted && signal.reason instanceof ConnectError) return signal.reason;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}
