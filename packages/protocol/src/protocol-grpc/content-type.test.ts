import { describe, expect, it } from "vitest";
import { contentTypeOf, isGrpcContentType, parseContentType } from "./content-type.js";

describe("gRPC content type", () => {
  it.each([
    ["application/grpc", "proto"],
    ["application/grpc+proto", "proto"],
    ["application/grpc+json", "json"],
    ["Application/GRPC+JSON", "json"],
    ["application/grpc+json; charset=utf-8", "json"],
    ["application/grpc;charset=utf-8", "proto"],
    ["application/grpc+proto ; foo=bar", "proto"],
  ])("%s -> %s", (value, kind) => {
    expect(parseContentType(value)).toBe(kind);
    expect(isGrpcContentType(value)).toBe(true);
  });

  it.each([
    "application/grpc+thrift",
    "application/grpc-web",
    "application/grpc-web+proto",
    "application/json",
    "text/plain",
    "",
    "application/grpcx",
  ])("%j is not a codec this side has", (value) => {
    expect(parseContentType(value)).toBeUndefined();
  });

  it("is undefined when absent; a gRPC subtype it has no codec for is still gRPC", () => {
    expect(parseContentType(undefined)).toBeUndefined();
    expect(parseContentType(null)).toBeUndefined();
    expect(isGrpcContentType("application/grpc+thrift")).toBe(true);
    expect(isGrpcContentType("application/grpc-web")).toBe(false);
  });

  it("names the content type of each codec", () => {
    expect(contentTypeOf("proto")).toBe("application/grpc+proto");
    expect(contentTypeOf("json")).toBe("application/grpc+json");
  });
});
