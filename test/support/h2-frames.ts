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
