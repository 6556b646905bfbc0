/** The greeter sample: generated code of greet.v1 and the implementation the sample provider serves. */
export * from "./gen/greet/v1/greet_pb.js";
export { GreeterImpl } from "./greeter-impl.js";
