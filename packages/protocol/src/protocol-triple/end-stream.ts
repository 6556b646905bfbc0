import type { ProtocolHandlerFactory, UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { codeFromString } from "./error-json.js";
import { headerContentType } from "./headers.js";

/** The flag of an envelope that is the stream's end (Connect's EndStreamResponse), as dubbo-js 3.0 frames Triple streams. */
const endStreamFlag = 0b00000010;

const streamingContentType = /^application\/connect\+/i;

/**
 * Wraps connect's Connect-protocol handler factory so that the end-of-stream message of a failed stream carries the
 * gRPC code twice: Connect's `code` name (`"not_found"`, what Connect clients read) and a numeric `status` (5), what
 * dubbo-js 3.0 — a fork of connect-es whose Triple streams are Connect streams — reads. With only `code`, dubbo-js
 * fails the call with INVALID_ARGUMENT "failed to parse EndStreamResponse" instead of the real code.
 */
export function withNumericEndStreamStatus(factory: ProtocolHandlerFactory): ProtocolHandlerFactory {
  const wrapped = (spec: Parameters<ProtocolHandlerFactory>[0]): UniversalHandler => {
    const inner = factory(spec);
    const handle = async (req: UniversalServerRequest) => {
      const res = await inner(req);
      const type = res.header === undefined ? null : new Headers(res.header).get(headerContentType);
      if (res.body === undefined || type === null || !streamingContentType.test(type)) return res;
      return { ...res, body: rewriteEndStream(res.body) };
    };
    return Object.assign(handle, inner);
  };
  wrapped.protocolName = factory.protocolName;
  return wrapped;
}

/** Passes enveloped messages through, rewriting the end-of-stream envelope's JSON to add `error.status`. */
async function* rewriteEndStream(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let buffered: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    buffered = concat(buffered, chunk);
    for (;;) {
      if (buffered.byteLength < 5) break;
      const length = new DataView(buffered.buffer, buffered.byteOffset + 1, 4).getUint32(0);
      if (buffered.byteLength < 5 + length) break;
      const envelope = buffered.subarray(0, 5 + length);
      buffered = buffered.subarray(5 + length);
      yield (envelope[0] ?? 0) & endStreamFlag ? withStatus(envelope) : envelope;
    }
  }
  if (buffered.byteLength > 0) yield buffered;
}

function withStatus(envelope: Uint8Array): Uint8Array {
  let json: { error?: { code?: unknown; status?: unknown } };
  try {
    json = JSON.parse(new TextDecoder().decode(envelope.subarray(5)));
  } catch {
    return envelope;
  }
  const code = json.error?.code;
  if (typeof code !== "string" || json.error === undefined) return envelope;
  const status = codeFromString(code);
  if (status === undefined) return envelope;
  json.error.status = status;
  const payload = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(5 + payload.byteLength);
  out[0] = envelope[0] ?? endStreamFlag;
  new DataView(out.buffer).setUint32(1, payload.byteLength);
  out.set(payload, 5);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
