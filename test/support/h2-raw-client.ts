import * as net from "node:net";
import { h2Frame, h2Preface, hpackLiteral } from "./h2-frames.js";

/** HTTP/2 frame types (RFC 9113 §6) the raw client tells apart. */
export const frameType = { data: 0x0, headers: 0x1, rstStream: 0x3, settings: 0x4, ping: 0x6, goaway: 0x7 } as const;

/** One frame as received. */
export interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/**
 * A hand-driven HTTP/2 client on a raw TCP socket, for tests that must control every frame (when to PING, whether to
 * ACK a PING): it sends the preface and an empty SETTINGS, ACKs the server's SETTINGS, and records every frame the
 * server sends; nothing else happens unless the test asks.
 */
export class RawH2Client {
  readonly frames: RawFrame[] = [];
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.once("close", () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on("error", () => {}); // a reset is a close here; 'close' follows
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
  }

  /** Connects to a provider on loopback and sends the connection preface. */
  static async connect(port: number): Promise<RawH2Client> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    socket.write(h2Preface());
    return new RawH2Client(socket);
  }

  /** True once the server closed (or reset) the connection. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Writes raw bytes (one write, so frames in it arrive together). */
  send(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** Writes `count` PING frames (8 bytes of opaque data each, numbered) in one write. */
  ping(count = 1, ack = false): void {
    const pings = Array.from({ length: count }, (_, i) => {
      const data = Buffer.alloc(8);
      data.writeUInt32BE(i, 4);
      return h2Frame(frameType.ping, ack ? 0x1 : 0x0, 0, data);
    });
    this.send(Buffer.concat(pings));
  }

  /** Answers a PING the server sent. */
  ackPing(ping: RawFrame): void {
    this.send(h2Frame(frameType.ping, 0x1, 0, ping.payload));
  }

  /** Writes the HEADERS (and, for a unary call, the END_STREAM DATA) of a gRPC call on `streamId`. */
  startCall(streamId: number, path: string, message: Buffer | undefined, endStream = true): void {
    const block = Buffer.concat([
      hpackLiteral(":method", "POST"),
      hpackLiteral(":scheme", "http"),
      hpackLiteral(":path", path),
      hpackLiteral(":authority", "127.0.0.1"),
      hpackLiteral("content-type", "application/grpc"),
      hpackLiteral("te", "trailers"),
    ]);
    const frames = [h2Frame(frameType.headers, 0x4, streamId, block)];
    if (message !== undefined) frames.push(grpcData(streamId, message, endStream));
    this.send(Buffer.concat(frames));
  }

  /** Writes one gRPC message as a DATA frame on `streamId`. */
  sendMessage(streamId: number, message: Buffer, endStream = false): void {
    this.send(grpcData(streamId, message, endStream));
  }

  /** Waits for a frame matching `match` received after the first `from` frames; undefined if the connection closed. */
  async next(match: (f: RawFrame) => boolean, from = 0): Promise<RawFrame | undefined> {
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Frames of one type received so far (PING frames: only those that are not ACKs unless `acks`). */
  count(type: number, acks = false): number {
    return this.frames.filter((f) => f.type === type && (type !== frameType.ping || ((f.flags & 1) === 1) === acks))
      .length;
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) break;
      const frame: RawFrame = {
        type: this.#buffer[3] ?? 0,
        flags: this.#buffer[4] ?? 0,
        streamId: this.#buffer.readUInt32BE(5) & 0x7fffffff,
        payload: this.#buffer.subarray(9, 9 + length),
      };
      this.#buffer = this.#buffer.subarray(9 + length);
      this.frames.push(frame);
      if (frame.type === frameType.settings && (frame.flags & 1) === 0) {
        this.send(h2Frame(frameType.settings, 0x1, 0, Buffer.alloc(0)));
      }
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** The error code and debug data of a GOAWAY frame. */
export function goawayOf(frame: RawFrame): { code: number; debug: string } {
  return { code: frame.payload.readUInt32BE(4), debug: frame.payload.subarray(8).toString("latin1") };
}

function grpcData(streamId: number, message: Buffer, endStream: boolean): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return h2Frame(frameType.data, endStream ? 0x1 : 0x0, streamId, Buffer.concat([prefix, message]));
}
