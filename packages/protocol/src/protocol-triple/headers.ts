/**
 * Header names of the Triple protocol, in the lower case that HTTP/2 requires.
 * Every other file reads header names from here; none spells them itself.
 */

/** Version of the service the caller wants (`@DubboService(…, { version })`). */
export const headerServiceVersion = "tri-service-version";
/** Group of the service the caller wants (`@DubboService(…, { group })`). */
export const headerServiceGroup = "tri-service-group";
/** Triple HTTP unary deadline in milliseconds, as Dubbo Java and dubbo-js send it. */
export const headerServiceTimeout = "tri-service-timeout";
/** The same deadline as dubbo-go's Triple dialect names it. */
export const headerTripleTimeoutMs = "triple-timeout-ms";
/** Triple protocol version the caller speaks. */
export const headerProtocolVersion = "tri-protocol-version";
/** dubbo-go's spelling of the protocol version header. */
export const headerTripleProtocolVersion = "triple-protocol-version";
/** Application name of the caller, for logs and metrics on the provider. */
export const headerConsumerAppName = "tri-consumer-appname";
/**
 * Dubbo 3.3's code of the exception that failed a call (a response header): the gRPC code, or 3 (Dubbo's
 * BIZ_EXCEPTION) when the service method threw an exception of its own. 0 = none.
 */
export const headerExceptionCode = "tri-exception-code";
/**
 * Dubbo 3.3's map from the lower-cased names of attachments back to their original spelling: percent-encoded JSON,
 * `{"userid":"userId"}`, sent when some attachment name had upper-case letters (HTTP/2 allows none).
 */
export const headerHeaderConvert = "tri-header-convert";
/** The gRPC deadline header (`grpc-timeout: 200m`). */
export const headerGrpcTimeout = "grpc-timeout";
/** HTTP content type. */
export const headerContentType = "content-type";
/** HTTP content encoding of a Triple unary body. */
export const headerContentEncoding = "content-encoding";
/** Encodings a Triple unary caller accepts in the response. */
export const headerAcceptEncoding = "accept-encoding";
/** Length of a Triple unary body. */
export const headerContentLength = "content-length";
/** What the caller accepts (`text/event-stream` for a server stream as Server-Sent Events). */
export const headerAccept = "accept";
/** Caching of a response; a server stream answers `no-cache`, as Dubbo does. */
export const headerCacheControl = "cache-control";

/**
 * Prefix of the response headers that carry a unary call's trailers (`trailer-<name>`), as the Connect protocol's
 * unary responses do: Triple HTTP has no trailers of its own.
 */
export const headerTrailerPrefix = "trailer-";

/** The Triple protocol version this implementation speaks. */
export const tripleProtocolVersion = "1.0.0";
/** HTTP's `Retry-After` (RFC 9110 §10.2.3): seconds a refused caller should wait, sent with a 503 under overload. */
export const headerRetryAfter = "retry-after";
