/**
 * The greet.v1 schemas (GreeterService, GreetRequest, GreetResponse) the peers of the benchmark use.
 *
 * From the sample's `@dubbo-mesh/sample-greeter/greet_pb` entry (its generated code alone) rather than from the
 * package's main entry: that one also loads the sample's implementation and with it all of dubbo-mesh, and the peer
 * servers and clients (connect-node, grpc-js, raw) must not pay for dubbo-mesh code in their start-up time or RSS.
 * Same generated code everywhere, so serialization cost is equal.
 */
export { GreeterService, GreetRequestSchema, GreetResponseSchema } from "@dubbo-mesh/sample-greeter/greet_pb";
