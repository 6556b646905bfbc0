import { startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { describeGreeterContract } from "./support/contract-suite.js";
import { startContractProvider } from "./support/start-provider.js";

// The same contract against the reference peer and against our provider's two lanes: all must pass it.
describeGreeterContract("reference peer: @grpc/grpc-js server", startGrpcJsGreeter);
describeGreeterContract("dubbo-mesh provider, unary fast lane (default)", () => startContractProvider());
describeGreeterContract("dubbo-mesh provider, general path only", () => startContractProvider({ fastLane: false }));
