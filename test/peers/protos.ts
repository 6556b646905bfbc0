import { fileURLToPath } from "node:url";
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Absolute path of the repository root, found from this file's location (test/peers/ -> ../../). */
export const repoRoot: string = fileURLToPath(new URL("../../", import.meta.url));

/** Full gRPC name of the tests' greeter service (test/proto), as it appears in method paths. */
export const GREETER_SERVICE = "fixture.v1.GreeterService";

/** Full gRPC name of the standard health service. */
export const HEALTH_SERVICE = "grpc.health.v1.Health";

/** Decoded `fixture.v1.GreetRequest` as proto-loader produces it. */
export interface GreetRequest {
  name: string;
}

/** Decoded `fixture.v1.GreetResponse` as proto-loader produces it. */
export interface GreetResponse {
  greeting: string;
}

/** Serving status names of `grpc.health.v1.HealthCheckResponse.ServingStatus`. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** Decoded `grpc.health.v1.HealthCheckRequest`. */
export interface HealthCheckRequest {
  service: string;
}

/** Decoded `grpc.health.v1.HealthCheckResponse` (enums as names). */
export interface HealthCheckResponse {
  status: ServingStatus;
}

const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [`${repoRoot}proto`, `${repoRoot}test/proto`],
};

/**
 * Loads one service of a proto file under `proto/` or `test/proto/` with proto-loader and returns its grpc-js service definition
 * (method name -> path, serializers, streaming flags). Throws if the name is not a service of that file.
 */
export function loadService(relativeProtoPath: string, fullServiceName: string): grpc.ServiceDefinition {
  const pkg = protoLoader.loadSync(relativeProtoPath, loaderOptions);
  const def = pkg[fullServiceName];
  if (def === undefined || "format" in def) {
    throw new Error(`${fullServiceName} is not a service in ${relativeProtoPath}`);
  }
  return def as unknown as grpc.ServiceDefinition;
}

/** The grpc-js service definition of `fixture.v1.GreeterService` from test/proto/fixture/v1/greeter.proto. */
export function greeterServiceDefinition(): grpc.ServiceDefinition {
  return loadService("fixture/v1/greeter.proto", GREETER_SERVICE);
}

/** The grpc-js service definition of `grpc.health.v1.Health` from proto/grpc/health/v1/health.proto. */
export function healthServiceDefinition(): grpc.ServiceDefinition {
  return loadService("grpc/health/v1/health.proto", HEALTH_SERVICE);
}
