import type * as http2 from "node:http2";
import { grpc } from "@dubbo-mesh/protocol";
import type { CallCodec, HeadersInit } from "../call.js";

const userAgent = `dubbo-mesh/0.1.0 node/${process.versions.node}`;

/**
 * The headers every gRPC attempt of a reference starts from, for one codec: content type, `te: trailers`, the user
 * agent, the accepted response encodings, then the reference's fixed headers. Made once; see `requestHeaders`.
 */
export function baseRequestHeaders(
  fixed: Readonly<Record<string, string>>,
  codec: CallCodec,
): Readonly<http2.OutgoingHttpHeaders> {
  return {
    [grpc.headerContentType]: grpc.contentTypeOf(codec),
    [grpc.headerTe]: grpc.teTrailers,
    [grpc.headerUserAgent]: userAgent,
    [grpc.headerAcceptEncoding]: grpc.acceptEncodingValue,
    ...fixed,
  };
}

/**
 * The request headers of a gRPC attempt as node:http2 takes them (a new object): `base` (`baseRequestHeaders`),
 * `grpc-timeout` (what is left of the deadline), then the caller's metadata, which overrides the fixed headers.
 * `-bin` values go out as the caller encoded them (base64, connect's `encodeBinaryHeader`).
 */
export function requestHeaders(
  base: Readonly<http2.OutgoingHttpHeaders>,
  header: HeadersInit | undefined,
  timeoutMs: number | undefined,
): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ...base };
  if (timeoutMs !== undefined) out[grpc.headerTimeout] = grpc.encodeTimeout(timeoutMs);
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
