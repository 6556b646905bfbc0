import type * as http2 from "node:http2";

/**
 * Header names of the gRPC protocol over HTTP/2 (grpc/grpc `doc/PROTOCOL-HTTP2.md`), in the lower case HTTP/2
 * requires. Every other file reads gRPC header names from here; none spells them itself.
 */

/** The request's and response's content type: `application/grpc[+proto|+json]`. */
export const headerContentType = "content-type";
/** `te: trailers`, which gRPC requests carry to say the client understands trailers. */
export const headerTe = "te";
/** The caller's library and version, e.g. `grpc-node-js/1.14.0`. */
export const headerUserAgent = "user-agent";
/** The call's deadline as a duration: up to 8 digits and a unit (`200m`, `5S`); see `timeout.ts`. */
export const headerTimeout = "grpc-timeout";
/** The compression of the messages this side sends (`gzip`, `identity`). */
export const headerEncoding = "grpc-encoding";
/** The compressions this side accepts, comma-separated. */
export const headerAcceptEncoding = "grpc-accept-encoding";
/** The call's status code, in the trailers (or the headers of a trailers-only response). */
export const headerStatus = "grpc-status";
/** The status message, percent-encoded. */
export const headerMessage = "grpc-message";
/** A base64 `google.rpc.Status` with the error details. */
export const headerStatusDetailsBin = "grpc-status-details-bin";

/** The value of `te` in a gRPC request. */
export const teTrailers = "trailers";
/** The value of `grpc-status` of a call that succeeded. */
export const statusOk = "0";

/**
 * Names a gRPC client or server never hands to the application as metadata, nor takes from it: the protocol's own
 * headers and HTTP/2's pseudo-headers are set by the transport.
 */
export function isProtocolHeader(name: string): boolean {
  return (
    name.charCodeAt(0) === 58 /* ":" */ ||
    name === headerContentType ||
    name === headerTe ||
    name === headerTimeout ||
    name === headerEncoding ||
    name === headerAcceptEncoding ||
    name === headerStatus ||
    name === headerMessage ||
    name === headerStatusDetailsBin ||
    name === "content-length" ||
    name === "connection"
  );
}

/** A request or response header of node:http2 as one string: undefined when absent, comma-joined when repeated. */
export function nodeHeader(headers: http2.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === "string" || v === undefined ? v : Array.isArray(v) ? v.join(", ") : String(v);
}

/** node:http2's header object as web Headers (what connect's APIs take), without the pseudo-headers. */
export function headersFromNode(h: http2.IncomingHttpHeaders | undefined): Headers {
  const out = new Headers();
  if (!h) return out;
  for (const k in h) {
    const v = h[k];
    if (k.charCodeAt(0) === 58 || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.append(k, item);
    else out.append(k, String(v));
  }
  return out;
}

/**
 * Copies web Headers into a node:http2 header object (response headers or trailers), leaving out what the protocol
 * owns (see `isProtocolHeader`). Repeated values go out as an array, so each is its own header field.
 */
export function headersToNode(from: Headers | undefined, to: http2.OutgoingHttpHeaders): http2.OutgoingHttpHeaders {
  if (!from) return to;
  from.forEach((value, key) => {
    if (isProtocolHeader(key)) return;
    to[key] = value;
  });
  // Headers joins repeated values with ", " in forEach; set-cookie is the one kept apart.
  const cookies = from.getSetCookie();
  if (cookies.length > 1) to["set-cookie"] = cookies;
  return to;
}
