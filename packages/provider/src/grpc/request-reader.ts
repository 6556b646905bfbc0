import type * as http2 from "node:http2";
import { Code, type ConnectError, ConnectError as Err } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import { markUndecodable } from "../call/call-end.js";
import type { FlowControl } from "./input-queue.js";

/** Where the request messages of a call go, parsed, in order. */
export interface RequestSink {
  message(message: unknown): void;
  end(): void;
  error(error: ConnectError): void;
}

/** Where a stream carries its reader, for the listeners every reader shares. */
const kReader = Symbol("dubbo-mesh.grpc.requestReader");

/** A stream read by a RequestReader. */
interface ReaderStream extends http2.ServerHttp2Stream {
  [kReader]?: RequestReader;
}

/** Any thrown value as a ConnectError: itself if it is one, INTERNAL otherwise. */
export function asConnectError(e: unknown): ConnectError {
  return e instanceof Err ? e : new Err("internal error", Code.Internal, undefined, undefined, e);
}

/**
 * Reads the request messages of a call off its HTTP/2 stream: gRPC envelopes (the read limit checked as each prefix
 * completes), inflated when flagged compressed (in order, on zlib's thread pool), parsed with the call's codec, and
 * handed to a sink; the stream's end after the last one, or the first error (after which nothing more is read). It
 * is also the flow control of the stream: `hold()` pauses reading (the client's window closes), `release()` resumes.
 */
export class RequestReader implements FlowControl {
  readonly #stream: http2.ServerHttp2Stream;
  readonly #envelopes: grpc.EnvelopeReader;
  readonly #encoding: grpc.GrpcEncoding;
  readonly #readMaxBytes: number;
  readonly #parse: (bytes: Uint8Array) => unknown;
  readonly #sink: RequestSink;
  // Invariant: `#chain` is set while `#pending` messages wait to be inflated (and those after them, in order).
  #chain: Promise<void> | undefined;
  #pending = 0;
  #holds = 0;
  #stopped = false;

  constructor(
    stream: http2.ServerHttp2Stream,
    readMaxBytes: number,
    encoding: grpc.GrpcEncoding,
    parse: (bytes: Uint8Array) => unknown,
    sink: RequestSink,
  ) {
    this.#stream = stream;
    this.#encoding = encoding;
    this.#readMaxBytes = readMaxBytes;
    this.#parse = parse;
    this.#sink = sink;
    this.#envelopes = new grpc.EnvelopeReader(readMaxBytes, (data, flags) => this.#onMessage(data, flags));
    (stream as ReaderStream)[kReader] = this;
    stream.on("data", RequestReader.#onData);
    stream.on("end", RequestReader.#onEnd);
  }

  /** Stops reading: nothing more reaches the sink (what still arrives is dropped). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // The stream outlives the call (a closed stream stays reachable until a full GC): it lets go of its reader.
    (this.#stream as ReaderStream)[kReader] = undefined;
    // A stream read to its end emits nothing more: its listeners stay (they do nothing now) and cost no removal.
    if (!this.#stream.readableEnded) {
      this.#stream.off("data", RequestReader.#onData);
      this.#stream.off("end", RequestReader.#onEnd);
    }
    if (this.#holds > 0) {
      this.#holds = 0;
      this.#stream.resume();
    }
  }

  hold(): void {
    if (this.#holds++ === 0 && !this.#stopped) this.#stream.pause();
  }

  release(): void {
    if (this.#holds === 0) return;
    if (--this.#holds === 0 && !this.#stopped) this.#stream.resume();
  }

  // The stream listeners are shared by every reader (no closure per call); `this` is the stream, which carries it.
  static #onData(this: ReaderStream, chunk: Buffer): void {
    // biome-ignore lint/complexity/noThisInStatic: node:http2 calls a stream listener with the stream as this
    const reader = this[kReader];
    if (reader) reader.#data(chunk);
  }

  static #onEnd(this: ReaderStream): void {
    // biome-ignore lint/complexity/noThisInStatic: node:http2 calls a stream listener with the stream as this
    const reader = this[kReader];
    if (reader) reader.#end();
  }

  #data(chunk: Buffer): void {
    if (this.#stopped) return;
    try {
      this.#envelopes.push(chunk);
    } catch (e) {
      this.#fail(e);
    }
  }

  #end(): void {
    if (this.#stopped) return;
    if (this.#chain) this.#chain = this.#chain.then(() => this.#finishEnd());
    else this.#finishEnd();
  }

  #finishEnd(): void {
    if (this.#stopped) return;
    try {
      this.#envelopes.end();
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.stop();
    this.#sink.end();
  }

  #onMessage(data: Uint8Array, flags: number): void {
    if (this.#stopped) return;
    if ((flags & grpc.flagCompressed) === 0 && this.#chain === undefined) {
      this.#deliver(data);
      return;
    }
    // A compressed message, or any message behind one: in order, after the inflating ones before it. While more
    // than one waits, the stream is held, so a flood of compressed messages does not queue up here.
    this.#pending++;
    if (this.#pending === 2) this.hold();
    const step =
      (flags & grpc.flagCompressed) === 0
        ? () => data
        : () => grpc.decompress(this.#encoding, data, this.#readMaxBytes);
    this.#chain = (this.#chain ?? Promise.resolve()).then(step).then(
      (bytes) => {
        if (--this.#pending === 1) this.release();
        if (this.#pending === 0) this.#chain = undefined;
        this.#deliver(bytes);
      },
      (e: unknown) => {
        this.#pending--;
        this.#fail(e, true);
      },
    );
  }

  #deliver(bytes: Uint8Array): void {
    if (this.#stopped) return;
    let message: unknown;
    try {
      message = this.#parse(bytes);
    } catch (e) {
      this.#fail(e, true);
      return;
    }
    this.#sink.message(message);
  }

  /** Stops with an error; `decoding` when a message failed to inflate or parse (the call's codec failure). */
  #fail(e: unknown, decoding = false): void {
    if (this.#stopped) return;
    this.stop();
    const error = asConnectError(e);
    this.#sink.error(decoding ? markUndecodable(error) : error);
  }
}

/** The kinds of call whose request is exactly one message, as the errors name them. */
export type SingleRequestKind = "unary" | "server-streaming";

/**
 * The sink of a call whose request is one message: `ready` once the stream ended after exactly one; no message is
 * UNIMPLEMENTED "missing input message", a second one UNIMPLEMENTED "received extra input message" at once (connect's
 * codes and words; the gRPC spec names none). A call kind extends it with its `ready` and `fail`: one object per
 * call is the sink and the kind's state.
 */
export abstract class SingleMessageSink implements RequestSink {
  readonly #kind: SingleRequestKind;
  #message: unknown;
  #count = 0;

  constructor(kind: SingleRequestKind) {
    this.#kind = kind;
  }

  /** The request message, once the stream ended after exactly one. */
  protected abstract ready(message: unknown): void;

  /** The request was not one message, or could not be read. */
  abstract fail(error: unknown): void;

  message(m: unknown): void {
    if (++this.#count === 1) this.#message = m;
    else if (this.#count === 2) {
      this.fail(new Err(`protocol error: received extra input message for ${this.#kind} method`, Code.Unimplemented));
    }
  }

  end(): void {
    if (this.#count === 0) {
      this.fail(new Err(`protocol error: missing input message for ${this.#kind} method`, Code.Unimplemented));
    } else if (this.#count === 1) {
      const message = this.#message;
      this.#message = undefined;
      this.ready(message);
    }
  }

  error(error: ConnectError): void {
    this.fail(error);
  }
}
