/**
 * The framework tests' own greeter service, `fixture.v1.GreeterService` (test/proto/fixture/v1/greeter.proto): the
 * same shape as the sample's `greet.v1`, generated with the test fixtures (`npm run generate`, built by `tsc -b`) —
 * one copy of the descriptors for the tests and the fixture providers they spawn. Tests of the sample itself use
 * `@dubbo-mesh/sample-greeter`.
 */
export * from "../fixtures/dist/gen/fixture/v1/greeter_pb.js";
