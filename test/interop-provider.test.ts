import { startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { describeGreeterContract } from "./support/contract-suite.js";
import { startContractProvider } from "./support/start-provider.js";

// The same contract against the reference peer and against our provider: both must pass it.
describeGreeterContract("reference peer: @grpc/grpc-js server", startGrpcJsGreeter);
describeGreeterContract("dubbo-mesh provider", () => startContractProvider());
