/**
 * @dubbo-mesh/protocol — the wire: gRPC over HTTP/2 (`grpc`) and Triple HTTP unary, beside connect's gRPC-web and Connect; header names,
 * content types, timeouts, status mapping and error bodies live here and nowhere else.
 */
export { Code, ConnectError } from "@connectrpc/connect";
export * as googleApi from "./gen/google/api/annotations_pb.js";
export { type HttpRule, HttpRuleSchema } from "./gen/google/api/http_pb.js";
export * as health from "./gen/grpc/health/v1/health_pb.js";
export * as reflection from "./gen/grpc/reflection/v1/reflection_pb.js";
export { frameMessage } from "./protocol-grpc/envelope.js";
export { headersFromNode } from "./protocol-grpc/headers.js";
/** The gRPC wire (headers, content types, envelopes, compression, timeouts, status, reset codes, codecs). */
export * as grpc from "./protocol-grpc/index.js";
export {
  type AttachmentValue,
  attachmentsFromHeaders,
  attachmentsToHeaders,
  isReservedHeader,
} from "./protocol-triple/attachments.js";
export { compressionGzip } from "./protocol-triple/compression.js";
export {
  contentTypeJson,
  contentTypeProto,
  parseContentType as parseTripleContentType,
} from "./protocol-triple/content-type.js";
export { withNumericEndStreamStatus } from "./protocol-triple/end-stream.js";
export {
  codeFromString,
  codeToString,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "./protocol-triple/error-json.js";
export { type TripleErrorReply, tripleErrorReply } from "./protocol-triple/error-reply.js";
export {
  checkInterfaceName,
  createGenericService,
  type GenericMethod,
  genericMethod,
} from "./protocol-triple/generic-service.js";
export { callOver, decodeRequest, methodName } from "./protocol-triple/handler-context.js";
export { createHandlerFactory as createTripleHandlerFactory } from "./protocol-triple/handler-factory.js";
export * from "./protocol-triple/headers.js";
export {
  type CompiledHttpRule,
  createHttpRuleRouter,
  type HttpRuleMatch,
  type HttpRuleRouter,
} from "./protocol-triple/http-rule.js";
export { codeFromHttpStatus, codeToHttpStatus } from "./protocol-triple/http-status.js";
export {
  headerValue,
  parseTimeout as parseTripleTimeout,
  type RequestHeaders,
} from "./protocol-triple/parse-timeout.js";
export { bindRequest, getBinding, type HttpBinding, kHttpBinding } from "./protocol-triple/request-binding.js";
export { contentTypeEventStream } from "./protocol-triple/sse.js";
export { createTransport as createTripleTransport, type TripleTransportOptions } from "./protocol-triple/transport.js";
