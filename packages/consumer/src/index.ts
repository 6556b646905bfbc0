/**
 * @dubbo-mesh/consumer — calling: typed clients over gRPC (HTTP/2) or Triple HTTP unary, Triple headers, deadlines.
 */
export { Code, ConnectError } from "@dubbo-mesh/protocol";
export { type Consumer, type ConsumerOptions, createConsumer, type ReferenceOptions } from "./consumer.js";
export { parseTarget } from "./target.js";
