import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./peers/protos.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

type ReflectionResponse = {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
};

/** Asks one reflection question with @grpc/grpc-js (an independent client), returning the one answer. */
function ask(target: string, request: Record<string, string>): Promise<ReflectionResponse> {
  const def = protoLoader.loadSync("grpc/reflection/v1/reflection.proto", {
    includeDirs: [`${repoRoot}proto`],
    oneofs: true,
  });
  const Ctor = grpc.makeGenericClientConstructor(
    def["grpc.reflection.v1.ServerReflection"] as unknown as grpc.ServiceDefinition,
    "ServerReflection",
  );
  const client = new Ctor(target, grpc.credentials.createInsecure()) as grpc.Client & Record<string, CallableFunction>;
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo() as grpc.ClientDuplexStream<unknown, ReflectionResponse>;
    call.on("data", (res: ReflectionResponse) => {
      resolve(res);
      call.end();
    });
    call.on("error", (e) => reject(e));
    call.on("end", () => client.close());
    call.write(request);
  });
}

describe("grpc.reflection.v1 on the provider", () => {
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider();
  });
  afterAll(() => provider?.close());

  it("lists every exported service, health and reflection included", async () => {
    const res = await ask(provider.target, { listServices: "" });
    const names = res.listServicesResponse?.service.map((s) => s.name).sort();
    expect(names).toEqual([
      "fixture.v1.GreeterService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
    ]);
  });

  it("returns the file declaring a service, a method and a message, as FileDescriptorProtos", async () => {
    for (const symbol of ["fixture.v1.GreeterService", "fixture.v1.GreeterService.Greet", "fixture.v1.GreetRequest"]) {
      const res = await ask(provider.target, { fileContainingSymbol: symbol });
      const files = (res.fileDescriptorResponse?.fileDescriptorProto ?? []).map((b) =>
        fromBinary(FileDescriptorProtoSchema, b),
      );
      expect(files[0]?.name).toBe("fixture/v1/greeter.proto");
      expect(files[0]?.service[0]?.method.map((m) => m.name)).toEqual([
        "Greet",
        "GreetStream",
        "GreetClientStream",
        "GreetBidi",
      ]);
    }
    const byName = await ask(provider.target, { fileByFilename: "grpc/health/v1/health.proto" });
    const file = fromBinary(
      FileDescriptorProtoSchema,
      byName.fileDescriptorResponse?.fileDescriptorProto[0] ?? new Uint8Array(),
    );
    expect(file.package).toBe("grpc.health.v1");
  });

  it("answers NOT_FOUND for an unknown symbol, in the stream (not as a call failure)", async () => {
    const res = await ask(provider.target, { fileContainingSymbol: "no.Such" });
    expect(res.errorResponse?.errorCode).toBe(5);
    expect(res.errorResponse?.errorMessage).toContain("no.Such");
  });
});
