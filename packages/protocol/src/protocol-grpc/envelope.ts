import { Code, ConnectError } from "@connectrpc/connect";

/** Bytes of a gRPC message prefix: one flags byte and a 4-byte big-endian length. */
export const prefixBytes = 5;
/** The flag bit of a message compressed with the call's `grpc-encoding`. */
export const flagCompressed = 0b1;

/**
 * Frames a serialized message with gRPC's 5-byte prefix (flags, then the length big-endian). `flags` is 0 for a plain
 * message, `flagCompressed` for one compressed with the call's `grpc-encoding`.
 */
export function frameMessage(message: Uint8Array, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(prefixBytes + message.length);
  writePrefix(out, 0, message.length, flags);
  out.set(message, prefixBytes);
  return out;
}

/** Writes gRPC's 5-byte message prefix — `flags`, then `length` big-endian — into `out` at `at`. */
export function writePrefix(out: Buffer, at: number, length: number, flags = 0): void {
  out[at] = flags;
  out.writeUInt32BE(length, at + 1);
}

/**
 * Messages at least this big are written as their 5-byte prefix followed by the message itself (`writeMessage`)
 * rather than copied behind a prefix into one new buffer: for them the copy costs more than the extra write, and each
 * copy is one more large buffer outside V8's heap, which makes it collect sooner (measured with 64 KiB messages: a
 * full GC every ~50 ms). One DATA frame's default size.
 */
export const copyMaxBytes = 16_384;

/** Where `writeMessage` writes: a stream's `write` (node:http2's, node:stream's). */
export interface MessageWritable {
  write(chunk: Uint8Array): unknown;
}

/**
 * Writes one serialized message with its gRPC prefix to `out`: framed into one buffer when small, as two writes (the
 * prefix, then the message as it is) from `copyMaxBytes` on. The bytes on the wire are the same either way. The
 * message must not change afterwards (it is written, not copied).
 */
export function writeMessage(out: MessageWritable, message: Uint8Array, flags = 0): void {
  if (message.length < copyMaxBytes) {
    out.write(frameMessage(message, flags));
    return;
  }
  const prefix = Buffer.allocUnsafe(prefixBytes);
  writePrefix(prefix, 0, message.length, flags);
  out.write(prefix);
  out.write(message);
}

/** The RESOURCE_EXHAUSTED error of a message over the read limit, naming its size (when known) and the limit. */
export function messageTooLarge(
  size: number | undefined,
  readMaxBytes: number,
  afterDecompression = false,
): ConnectError {
  return new ConnectError(
    `message size${size === undefined ? "" : ` ${size}`} is larger than configured readMaxBytes ${readMaxBytes}` +
      (afterDecompression ? " after decompression" : ""),
    Code.ResourceExhausted,
  );
}

/** Receives each complete message: its bytes (without the prefix) and its flags. */
export type EnvelopeSink = (data: Uint8Array, flags: number) => void;

/**
 * Reads gRPC messages out of the DATA chunks of an HTTP/2 stream, however the chunks cut them. A message that lies
 * inside one chunk is handed on as a view of it (no copy); one split across chunks is copied once into a buffer of
 * its declared length, allocated when the 5-byte prefix is complete — after the length was checked against the
 * read limit, so a peer that announces 4 GiB gets RESOURCE_EXHAUSTED before a byte is allocated for it.
 *
 * @example
 * const reader = new EnvelopeReader(4 * 1024 * 1024, (data, flags) => messages.push(data));
 * stream.on("data", (chunk) => reader.push(chunk));
 * stream.on("end", () => reader.end());
 */
export class EnvelopeReader {
  readonly #readMaxBytes: number;
  readonly #sink: EnvelopeSink;
  // Invariant: `#prefixAt` in 1..4 while a prefix is split over chunks (its bytes in `#prefix`); `#body` set while a
  // message body is split over chunks (`#bodyAt` of its bytes arrived); never both.
  #prefix: Uint8Array | undefined; // made the first time a prefix is split over chunks
  #prefixAt = 0;
  #body: Uint8Array | undefined;
  #bodyAt = 0;
  #flags = 0;
  #messages = 0;

  /** `readMaxBytes`: the largest message body accepted; `sink` gets each message in order. */
  constructor(readMaxBytes: number, sink: EnvelopeSink) {
    this.#readMaxBytes = readMaxBytes;
    this.#sink = sink;
  }

  /** Messages handed to the sink so far. */
  get messages(): number {
    return this.#messages;
  }

  /** True while part of a message (prefix or body) has arrived and the rest has not. */
  get partial(): boolean {
    return this.#prefixAt > 0 || this.#body !== undefined;
  }

  /**
   * Takes the next chunk of the stream and hands every message it completes to the sink. Throws RESOURCE_EXHAUSTED
   * when a prefix declares more than the read limit (nothing more is read after that).
   */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let at = 0;
    while (at < n) {
      const body = this.#body;
      if (body !== undefined) {
        const take = Math.min(body.length - this.#bodyAt, n - at);
        body.set(take === n && at === 0 ? chunk : chunk.subarray(at, at + take), this.#bodyAt);
        this.#bodyAt += take;
        at += take;
        if (this.#bodyAt === body.length) {
          this.#body = undefined;
          this.#deliver(body, this.#flags);
        }
        continue;
      }
      let length: number;
      if (this.#prefixAt === 0 && n - at >= prefixBytes) {
        this.#flags = chunk[at] as number;
        length = readLength(chunk, at + 1);
        at += prefixBytes;
      } else {
        this.#prefix ??= new Uint8Array(prefixBytes);
        const p = this.#prefix;
        while (this.#prefixAt < prefixBytes && at < n) p[this.#prefixAt++] = chunk[at++] as number;
        if (this.#prefixAt < prefixBytes) return;
        this.#prefixAt = 0;
        this.#flags = p[0] as number;
        length = readLength(p, 1);
      }
      if (length > this.#readMaxBytes) throw messageTooLarge(length, this.#readMaxBytes);
      if (n - at >= length) {
        const data = chunk.subarray(at, at + length);
        at += length;
        this.#deliver(data, this.#flags);
        continue;
      }
      this.#body = new Uint8Array(length);
      this.#bodyAt = 0;
    }
  }

  /** Says the stream ended; throws INTERNAL if it ended inside a message (a truncated request or response). */
  end(): void {
    if (!this.partial) return;
    const detail =
      this.#body !== undefined
        ? `${this.#bodyAt} of ${this.#body.length} bytes of a message`
        : `${this.#prefixAt} of ${prefixBytes} bytes of a message prefix`;
    this.#prefixAt = 0;
    this.#body = undefined;
    throw new ConnectError(`protocol error: incomplete envelope: the stream ended after ${detail}`, Code.Internal);
  }

  #deliver(data: Uint8Array, flags: number): void {
    this.#messages++;
    this.#sink(data, flags);
  }
}

function readLength(b: Uint8Array, at: number): number {
  return (
    (b[at] as number) * 0x1000000 + ((b[at + 1] as number) << 16) + ((b[at + 2] as number) << 8) + (b[at + 3] as number)
  );
}
