import { createRequire } from "node:module";
import { SpanKind } from "@opentelemetry/api";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { dubbo } from "dubbo-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GreetRequest, type GreetResponse, greeterServiceDefinition } from "./peers/protos.js";
import { GreeterService } from "./support/greeter-proto.js";
import { parentOf, registerInMemorySdk } from "./support/otel-sdk.js";
import { until } from "./support/wait.js";

// The SDK, then grpc-js's OpenTelemetry instrumentation, then grpc-js itself loaded through require — which the
// instrumentation patches (it hooks require; an ES import of grpc-js would not be instrumented).
const { exporter, provider } = registerInMemorySdk();
const instrumentation = new GrpcInstrumentation();
instrumentation.setTracerProvider(provider);
instrumentation.enable();
const grpc = createRequire(import.meta.url)("@grpc/grpc-js") as typeof import("@grpc/grpc-js");

const silent = { info() {}, warn() {}, error() {} };
const free = { "dubbo.protocol.port": 0, "dubbo.application.qos-enable": false, "dubbo.protocol.host": "127.0.0.1" };

describe("trace interop with grpc-js instrumented by @opentelemetry/instrumentation-grpc", () => {
  const stops: (() => Promise<void> | void)[] = [];
  let middlePort = 0;

  beforeAll(async () => {
    // The last hop: a grpc-js server, instrumented.
    const server = new grpc.Server();
    server.addService(greeterServiceDefinition(), {
      greet(call: { request: GreetRequest }, callback: (e: null, r: GreetResponse) => void) {
        callback(null, { greeting: `grpc-js, ${call.request.name}` });
      },
    });
    const backPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    stops.push(() => void server.forceShutdown());
    // Our provider in the middle, whose handler calls the grpc-js server through our consumer.
    const middle = dubbo({ application: { name: "middle" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => middle.stop());
    const back = middle.reference(GreeterService, { url: `http://127.0.0.1:${backPort}`, protocol: "grpc" });
    middle.service(GreeterService, {
      async greet(req) {
        return { greeting: `dubbo-mesh(${(await back.greet({ name: req.name })).greeting})` };
      },
    });
    middlePort = (await middle.start()).protocolPort ?? 0;
  });
  afterAll(async () => {
    instrumentation.disable();
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("one trace id end to end: grpc-js client -> our server -> our client -> grpc-js server, each parent right", async () => {
    const Client = grpc.makeGenericClientConstructor(greeterServiceDefinition(), "GreeterService");
    const client = new Client(`127.0.0.1:${middlePort}`, grpc.credentials.createInsecure()) as unknown as {
      greet(req: GreetRequest, cb: (e: Error | null, r: GreetResponse) => void): void;
      close(): void;
    };
    stops.push(() => client.close());
    const reply = await new Promise<GreetResponse>((resolve, reject) =>
      client.greet({ name: "eve" }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(reply.greeting).toBe("dubbo-mesh(grpc-js, eve)");
    await until(() => exporter.getFinishedSpans().length >= 4, "4 ended spans", 2000);
    const all = exporter.getFinishedSpans();
    const scope = (s: ReadableSpan) => s.instrumentationScope.name;
    const byUs = all.filter((s) => scope(s) === "@dubbo-mesh/runtime");
    const byGrpcJs = all.filter((s) => scope(s) !== "@dubbo-mesh/runtime");
    expect(byUs.map((s) => SpanKind[s.kind]).sort()).toEqual(["CLIENT", "SERVER"]);
    expect(byGrpcJs.map((s) => SpanKind[s.kind]).sort()).toEqual(["CLIENT", "SERVER"]);
    const jsClient = byGrpcJs.find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan;
    const ourServer = byUs.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan;
    const ourClient = byUs.find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan;
    const jsServer = byGrpcJs.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan;
    expect(new Set(all.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(parentOf(jsClient)).toBeUndefined();
    expect(parentOf(ourServer)).toBe(jsClient.spanContext().spanId);
    expect(parentOf(ourClient)).toBe(ourServer.spanContext().spanId);
    expect(parentOf(jsServer)).toBe(ourClient.spanContext().spanId);
    // Both sides name the call alike (OpenTelemetry's RPC conventions).
    expect(jsServer.attributes["rpc.service"] ?? jsServer.name).toContain("fixture.v1.GreeterService");
    expect(ourServer.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.method": "Greet" });
  });
});
