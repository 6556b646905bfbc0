/**
 * gRPC length-prefixed message framing (1 flag byte + 4-byte big-endian length) and the greet.v1 encode/decode
 * helpers built on it, with @bufbuild/protobuf's toBinary/fromBinary — the same codec every contestant uses.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GreetRequestSchema, GreetResponseSchema } from "./greet-schema.mjs";

/** Prefixes one serialized message with the 5-byte gRPC header (uncompressed). */
export function frame(bytes) {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

/**
 * Splits a buffer of complete gRPC frames into their payloads. Throws on a compressed or truncated frame. At most
 * `maxFrames` frames are read (a bound, not an expectation).
 */
export function unframe(buf, maxFrames = 1_000_000) {
  const out = [];
  let at = 0;
  for (let i = 0; i < maxFrames && at < buf.length; i++) {
    if (buf.length - at < 5) throw new Error("truncated gRPC frame header");
    if (buf[at] !== 0) throw new Error(`unexpected gRPC frame flags ${buf[at]}`);
    const len = buf.readUInt32BE(at + 1);
    if (buf.length - at - 5 < len) throw new Error("truncated gRPC frame");
    out.push(buf.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  return out;
}

/** A framed, serialized GreetRequest. */
export function encodeRequest(name) {
  return frame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
}

/** A framed, serialized GreetResponse. */
export function encodeResponse(greeting) {
  return frame(toBinary(GreetResponseSchema, create(GreetResponseSchema, { greeting })));
}

/** Decodes an unframed GreetRequest payload. */
export function decodeRequest(payload) {
  return fromBinary(GreetRequestSchema, payload);
}

/** Decodes an unframed GreetResponse payload. */
export function decodeResponse(payload) {
  return fromBinary(GreetResponseSchema, payload);
}

/** Decodes every GreetResponse of a buffer of frames. */
export function decodeResponses(buf) {
  return unframe(buf).map((p) => fromBinary(GreetResponseSchema, p));
}

/**
 * An incremental reader of gRPC frames arriving in chunks (a stream's `data` events): `push(chunk)` calls
 * `onMessage(payload)` for every complete uncompressed frame; throws on a compressed frame or one larger than
 * `maxBytes`. `pending` is the number of buffered bytes of an incomplete frame.
 */
export function createFrameReader(onMessage, maxBytes = 4 * 1024 * 1024) {
  let buf;
  return {
    push(chunk) {
      buf = buf === undefined || buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let at = 0;
      while (buf.length - at >= 5) {
        if (buf[at] !== 0) throw new Error(`unexpected gRPC frame flags ${buf[at]}`);
        const len = buf.readUInt32BE(at + 1);
        if (len > maxBytes) throw new Error(`gRPC frame of ${len} bytes is over the limit`);
        if (buf.length - at - 5 < len) break;
        onMessage(buf.subarray(at + 5, at + 5 + len));
        at += 5 + len;
      }
      buf = at === buf.length ? undefined : buf.subarray(at);
    },
    get pending() {
      return buf?.length ?? 0;
    },
  };
}
