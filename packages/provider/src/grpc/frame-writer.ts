import type * as http2 from "node:http2";
import { grpc } from "@dubbo-mesh/protocol";

/** Bytes gathered into one write at most (unless one message is larger): one HTTP/2 DATA frame's default size. */
const batchBytes = 16_384;

/**
 * Writes the messages of a streaming response to its HTTP/2 stream, each with gRPC's 5-byte prefix. The messages a
 * handler yields while the microtask queue runs — before it waits for anything — go out as one write of one buffer
 * (flushed when 16 KiB are gathered, at `process.nextTick`, which runs once the microtask queue is empty, and on
 * `flush()`). The bytes are the same as with one write per message and leave no later: node:http2 sends what is
 * written on the next turn of the event loop anyway. What it saves is a write request, a stream-buffer entry and a
 * buffer per message — most of the garbage (and so of the heap growth) of a fast stream. A message that comes alone
 * is written on its own (in a pooled buffer), without a 16 KiB batch; one of 16 KiB or more, and a compressed one, is
 * written at once, after what is pending, as its prefix and itself (no copy: `grpc.writeMessage`).
 */
export class FrameWriter {
  readonly #stream: http2.ServerHttp2Stream;
  // Invariant: `#single` and `#batch` are never both set; either is the unwritten data since the last write.
  #single: Uint8Array | undefined;
  #batch: Buffer | undefined;
  #at = 0;
  #tickQueued = false;
  readonly #onTick = () => {
    this.#tickQueued = false;
    this.flush();
  };

  constructor(stream: http2.ServerHttp2Stream) {
    this.#stream = stream;
  }

  /**
   * Adds one serialized message; written at the latest once the microtask queue is empty. A message with flags (a
   * compressed one) goes out at once in its own frame, after what is pending.
   */
  add(message: Uint8Array, flags = 0): void {
    if (flags !== 0 || message.length >= grpc.copyMaxBytes) {
      // Compressed, or large enough to go out on its own without a copy (`grpc.writeMessage`).
      this.flush();
      if (!this.#stream.destroyed) grpc.writeMessage(this.#stream, message, flags);
      return;
    }
    if (this.#single) {
      this.#startBatch(this.#single, message.length);
      this.#single = undefined;
    } else if (!this.#batch) {
      this.#single = message;
      if (!this.#tickQueued) {
        this.#tickQueued = true;
        process.nextTick(this.#onTick);
      }
      return;
    }
    const batch = this.#batch as Buffer;
    if (this.#at + grpc.prefixBytes + message.length > batch.length) {
      this.flush();
      this.#startBatch(undefined, message.length);
    }
    this.#append(message);
    if (this.#at >= batchBytes) this.flush();
  }

  /** Writes what has been added and not written yet. */
  flush(): void {
    if (this.#single) {
      const single = this.#single;
      this.#single = undefined;
      this.#write(grpc.frameMessage(single));
    } else if (this.#batch) {
      const out = this.#batch.subarray(0, this.#at);
      this.#batch = undefined;
      this.#write(out);
    }
  }

  #write(data: Buffer): void {
    if (this.#stream.destroyed) return; // its 'close' ends the call
    this.#stream.write(data);
  }

  #startBatch(first: Uint8Array | undefined, next: number): void {
    this.#batch = Buffer.allocUnsafe(
      Math.max(batchBytes, grpc.prefixBytes + next + (first ? grpc.prefixBytes + first.length : 0)),
    );
    this.#at = 0;
    if (!this.#tickQueued) {
      this.#tickQueued = true;
      process.nextTick(this.#onTick);
    }
    if (first) this.#append(first);
  }

  #append(message: Uint8Array): void {
    const batch = this.#batch as Buffer;
    grpc.writePrefix(batch, this.#at, message.length);
    batch.set(message, this.#at + grpc.prefixBytes);
    this.#at += grpc.prefixBytes + message.length;
  }
}
