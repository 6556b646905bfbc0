/** Hand-built HTTP/2 frames, for tests that must put exact bytes on the wire (a proxy's health check, a reset). */

/** The client connection preface followed by an empty SETTINGS frame. */
export function h2Preface(): Buffer {
  return Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), h2Frame(0x4, 0, 0, Buffer.alloc(0))]);
}

/** One frame: 24-bit length, type, flags, stream id, payload (RFC 9113 §4.1). */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/**
 * An HPACK "literal header field without indexing" (RFC 7541 §6.2.2), with a static-table name index (4-bit prefix
 * integer) or a literal name; plain strings of at most 126 bytes.
 */
export function hpackLiteral(name: number | string, value: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, "latin1");
    if (b.length > 126) throw new Error("string too long for a one-byte HPACK length");
    return Buffer.concat([Buffer.from([b.length]), b]);
  };
  if (typeof name === "string") return Buffer.concat([Buffer.from([0x00]), str(name), str(value)]);
  const index = name < 15 ? Buffer.from([name]) : Buffer.from([0x0f, name - 15]); // name - 15 < 128 here
  return Buffer.concat([index, str(value)]);
}

/** The head of one HTTP/2 frame seen on the wire. */
export interface H2FrameHead {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/**
 * Reads frame heads from one direction of an HTTP/2 connection as its bytes pass (a proxy's tap): give it the
 * chunks in order; the client's 24-byte preface is skipped when `client` is set.
 */
export class H2FrameReader {
  #buffer = Buffer.alloc(0);
  #preface: number;

  constructor(client: boolean) {
    this.#preface = client ? 24 : 0;
  }

  /** Takes the next chunk; returns the heads of the frames it completed. */
  push(chunk: Buffer): H2FrameHead[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (this.#preface > 0) {
      const skip = Math.min(this.#preface, this.#buffer.length);
      this.#buffer = this.#buffer.subarray(skip);
      this.#preface -= skip;
    }
    const heads: H2FrameHead[] = [];
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) break;
      heads.push({
        length,
        type: this.#buffer[3] ?? 0,
        flags: this.#buffer[4] ?? 0,
        streamId: this.#buffer.readUInt32BE(5) & 0x7fffffff,
      });
      this.#buffer = this.#buffer.subarray(9 + length);
    }
    return heads;
  }
}
