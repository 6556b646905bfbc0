import * as http2 from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { RpcMeter, RpcTracing } from "@dubbo-mesh/runtime";
import { type ActiveCalls, CallEnd } from "../call/call-end.js";
import { type CallInfo, callInfoOf, spanConnectionOf } from "../call-info.js";
import { FrameWriter } from "./frame-writer.js";

/** Response messages smaller than this go out uncompressed even on a gzip call (compressing them costs more). */
const compressMinBytes = 1024;

/**
 * One gRPC call on the provider, on its HTTP/2 stream, whatever its kind: how it ends is `CallEnd`'s (deadline,
 * client reset, shutdown, handler signal, metrics once); this writes the end in gRPC's form — the status
 * trailers-only when nothing was sent yet, trailers otherwise — and runs the kind's own clean-up (`onEnd`: stop
 * reading, stop the handler's iterator).
 */
export class ServerCall extends CallEnd {
  readonly stream: http2.ServerHttp2Stream;
  declare readonly headers: http2.IncomingHttpHeaders;
  /** The codec of request and response messages. */
  readonly codec: grpc.GrpcCodecKind;
  /** The encoding of the request messages. */
  readonly encoding: grpc.GrpcEncoding;
  /** Set by the call kind: the request's reader, stopped when the call ends (before the kind's `onEnd`). */
  reader: { stop(): void } | undefined;
  readonly #responseEncoding: grpc.GrpcEncoding;
  // Invariants: `#headersSent` once the response HEADERS went out; `#status` is the error the trailers carry
  // (undefined: OK).
  #headersSent = false;
  #status: ConnectError | undefined;
  #writer: FrameWriter | undefined;

  constructor(
    method: DescMethod,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    codec: grpc.GrpcCodecKind,
    encoding: grpc.GrpcEncoding,
    timeoutMs: number | undefined,
    active: ActiveCalls,
    meter: RpcMeter | undefined,
    tracing?: RpcTracing,
  ) {
    const trace = tracing?.startServer({
      system: "grpc",
      service: method.parent.typeName,
      method: method.name,
      headers,
      connection: spanConnectionOf(stream.session?.socket),
    });
    super({ protocolName: "grpc", method, headers, timeoutMs, active, meter, trace });
    this.stream = stream;
    this.codec = codec;
    this.encoding = encoding;
    this.#responseEncoding =
      encoding === "identity"
        ? "identity"
        : grpc.responseEncoding(encoding, grpc.nodeHeader(headers, grpc.headerAcceptEncoding));
    (stream as CallStream)[kCall] = this;
    stream.on("close", ServerCall.#onClose);
  }

  url(): string {
    const h = this.headers;
    return `http://${h[":authority"] ?? "localhost"}${h[":path"] ?? "/"}`;
  }

  callInfo(): CallInfo {
    return callInfoOf(this.stream.session?.socket, "2.0");
  }

  /** Answers a call with one response message (unary, client streaming): HEADERS, the message, trailers. */
  respondUnary(message: Uint8Array): void {
    if (!this.decideEnd(undefined)) return;
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    this.#headersSent = true;
    stream.respond(this.#headersToSend(), waitForTrailers);
    stream.on("wantTrailers", ServerCall.#onWantTrailers);
    if (this.#responseEncoding === "gzip" && message.length >= compressMinBytes) {
      grpc.compress(message).then(
        (packed) => endWith(stream, packed, grpc.flagCompressed),
        () => endWith(stream, message, 0),
      );
    } else {
      endWith(stream, message, 0);
    }
  }

  /**
   * Sends one message of a streaming response (the HEADERS first, with what the handler set by then). Returns a
   * promise when the next message should wait — the stream's buffer is full until the client reads (or a compression
   * is under way) — and undefined when it can follow at once.
   */
  send(message: Uint8Array): Promise<void> | undefined {
    if (this.ended || this.stream.destroyed) return undefined;
    if (!this.#headersSent) this.#sendHeaders();
    const writer = this.#writer as FrameWriter;
    if (this.#responseEncoding === "gzip" && message.length >= compressMinBytes) {
      return grpc.compress(message).then((packed) => {
        if (!this.ended) writer.add(packed, grpc.flagCompressed);
        return this.#drained();
      });
    }
    writer.add(message);
    return this.#drained();
  }

  /** Ends the call after its messages: OK, or the error in the trailers (trailers-only if nothing was sent). */
  finish(error: ConnectError | undefined): void {
    if (!this.decideEnd(error)) return;
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

  #sendHeaders(): void {
    this.#headersSent = true;
    this.#writer = new FrameWriter(this.stream);
    this.stream.respond(this.#headersToSend(), waitForTrailers);
    this.stream.on("wantTrailers", ServerCall.#onWantTrailers);
  }

  protected override decideEnd(error: ConnectError | undefined): boolean {
    if (this.ended) return false;
    this.reader?.stop();
    return super.decideEnd(error);
  }

  // The stream listeners are shared by every call (no closure per call); `this` is the stream, which carries its call.
  static #onWantTrailers(this: CallStream): void {
    // biome-ignore lint/complexity/noThisInStatic: node:http2 calls a stream listener with the stream as this
    const call = this[kCall];
    if (call) call.#sendTrailers();
  }

  static #onClose(this: CallStream): void {
    // biome-ignore lint/complexity/noThisInStatic: node:http2 calls a stream listener with the stream as this
    const call = this[kCall];
    // 'close' is the stream's last event. A closed node:http2 stream stays reachable until a full GC, so it lets go
    // of its call here: otherwise every call's state (and its span, under tracing) is copied by each young-generation
    // GC and promoted to old space with it.
    // biome-ignore lint/complexity/noThisInStatic: see above
    this[kCall] = undefined;
    if (call) call.#closed();
  }

  #sendTrailers(): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    const status = this.#status;
    const trailers = this.context.responseTrailerIfSet;
    // node:http2 copies what it is given: the trailers of a plain success can be one shared object.
    stream.sendTrailers(
      status === undefined && trailers === undefined
        ? okTrailers
        : grpc.setTrailerStatus(grpc.headersToNode(trailers, {}), status),
    );
    this.#closeUnread(true);
  }

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

  /**
   * The response HEADERS of a call that sends messages. node:http2 copies what `respond` is given, so a call whose
   * handler set no headers, answering uncompressed a client that named no encoding — nearly every call — sends one
   * shared object.
   */
  #headersToSend(): http2.OutgoingHttpHeaders {
    if (
      this.context.responseHeaderIfSet === undefined &&
      this.#responseEncoding === "identity" &&
      this.headers[grpc.headerEncoding] === undefined
    ) {
      return this.codec === "proto" ? protoHeaders : jsonHeaders;
    }
    return this.#responseHeaders();
  }

  /** The response headers, as a new object (a trailers-only response adds the status to it). */
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

  #closed(): void {
    if (this.ended) return;
    const name = grpc.resetCodeName(this.stream.rstCode ?? http2.constants.NGHTTP2_CANCEL);
    this.decideEnd(new ConnectError(`the client cancelled the call (RST_STREAM ${name})`, Code.Canceled));
  }
}

/** Writes the one message of a response (see `grpc.writeMessage`) and ends the stream's data (the trailers follow). */
function endWith(stream: http2.ServerHttp2Stream, message: Uint8Array, flags: number): void {
  if (stream.destroyed) return; // its 'close' ends the call
  grpc.writeMessage(stream, message, flags);
  stream.end();
}

/** Where a stream carries its call, for the listeners every call shares. */
const kCall = Symbol("dubbo-mesh.grpc.call");

/** A stream served by a call. */
interface CallStream extends http2.ServerHttp2Stream {
  [kCall]?: ServerCall;
}

/** The options of `respond` for a response that ends with trailers. */
const waitForTrailers = { waitForTrailers: true } as const;
const protoHeaders: http2.OutgoingHttpHeaders = { ":status": 200, [grpc.headerContentType]: grpc.contentTypeProto };
const jsonHeaders: http2.OutgoingHttpHeaders = { ":status": 200, [grpc.headerContentType]: grpc.contentTypeJson };
const okTrailers: http2.OutgoingHttpHeaders = grpc.setTrailerStatus({}, undefined);
