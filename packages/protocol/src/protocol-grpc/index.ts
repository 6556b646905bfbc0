/**
 * The gRPC protocol over HTTP/2, for both sides, on node:http2's header objects: header names, content types,
 * message framing, compression, deadlines, status trailers, HTTP/2 reset codes, response validation and codecs.
 * Laid out as connect-es lays out its protocol folders (and as `protocol-triple/`).
 */
export * from "./compression.js";
export * from "./content-type.js";
export * from "./envelope.js";
export * from "./headers.js";
export * from "./http2-reset-code.js";
export * from "./serialization.js";
export * from "./timeout.js";
export * from "./trailer-status.js";
export * from "./validate-response.js";
