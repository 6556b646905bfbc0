import type * as http2 from "node:http2";

/**
 * Frames a serialized message with gRPC's 5-byte prefix: flag 0 (not compressed) and the length, big-endian. Both
 * fast lanes (provider and consumer) write messages with it.
 */
export function frameMessage(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** node:http2's header object as web Headers (what connect's APIs take), without the pseudo-headers. */
export function headersFromNode(h: http2.IncomingHttpHeaders | undefined): Headers {
  const out = new Headers();
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":") || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.append(k, item);
    else out.append(k, String(v));
  }
  return out;
}
