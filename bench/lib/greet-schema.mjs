/**
 * The greet.v1 schemas (GreeterService, GreetRequest, GreetResponse) the peers of the benchmark use.
 *
 * Re-exported from the sample's generated file by relative path rather than from "@dubbo-mesh/sample-greeter": the
 * package entry also loads @dubbo-mesh/provider, and the peer servers and clients (connect-node, grpc-js, raw) must not
 * pay for dubbo-mesh code in their start-up time or RSS. Same generated code, so serialization cost is equal.
 */
export {
  GreeterService,
  GreetRequestSchema,
  GreetResponseSchema,
} from "../../samples/greeter/dist/gen/greet/v1/greet_pb.js";
