import type * as http2 from "node:http2";
import { grpc } from "@dubbo-mesh/protocol";
import type { CallCodec, HeadersInit } from "../call.js";

const userAgent = `dubbo-mesh/0.1.0 node/${process.versions.node}`;

/**
 * The request headers of a gRPC attempt as node:http2 takes them: content type of the codec, `te: trailers`, the
 * user agent, the accepted response encodings, `grpc-timeout` (what is left of the deadline), then the reference's
 * fixed headers, then the caller's metadata (which overrides them). `-bin` values go out as the caller encoded them
 * (base64, connect's `encodeBinaryHeader`).
 */
export function requestHeaders(
  fixed: readonly (readonly [string, string])[],
  header: HeadersInit | undefined,
  codec: CallCodec,
  timeoutMs: number | undefined,
): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {
    [grpc.headerContentType]: grpc.contentTypeOf(codec),
    [grpc.headerTe]: grpc.teTrailers,
    [grpc.headerUserAgent]: userAgent,
    [grpc.headerAcceptEncoding]: grpc.acceptEncodingValue,
  };
  if (timeoutMs !== undefined) out[grpc.headerTimeout] = grpc.encodeTimeout(timeoutMs);
  for (const [k, v] of fixed) out[k] = v;
  if (header !== undefined) copyHeaders(header, out);
  return out;
}

/** An interceptor's request Headers as node:http2's header object (one field per name, repeated values joined). */
export function toNodeHeaders(header: Headers): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  header.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function copyHeaders(init: HeadersInit, out: http2.OutgoingHttpHeaders): void {
  if (init instanceof Headers) {
    init.forEach((v, k) => {
      out[k] = v;
    });
    return;
  }
  const pairs = Array.isArray(init) ? (init as [string, string][]) : Object.entries(init as Record<string, string>);
  for (const [k, v] of pairs) out[k.toLowerCase()] = v;
}
