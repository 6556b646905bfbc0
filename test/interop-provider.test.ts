import { startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { describeGreeterContract } from "./support/contract-suite.js";
import { startContractProvider } from "./support/start-provider.js";

// The same contract against the reference peer and against our provider, whose gRPC engine serves every call kind
// (connect's general path no longer serves gRPC, so there is no second path to run it on): both must pass it.
describeGreeterContract("reference peer: @grpc/grpc-js server", startGrpcJsGreeter);
describeGreeterContract("dubbo-mesh provider (gRPC engine)", () => startContractProvider());
describeGreeterContract("dubbo-mesh provider with an interceptor (connect's interceptor chain, every kind)", () =>
  startContractProvider({ interceptors: [(next) => (req) => next(req)] }),
);
