import { gunzipSync, gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { createDubboMetrics, type DubboMetrics, type RpcOutcome } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreeterService, type GreetRequest, GreetRequestSchema, GreetResponseSchema } from "./support/greeter-proto.js";
import { connectH2, grpcFrame, grpcMessage, grpcMessages, grpcStatus, h2Request } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

// What the provider's gRPC engine does beyond the greeter contract (test/interop-provider): the JSON codec, gzip both
// ways, the request headers it refuses, the handler's signal on every kind of end, and metrics once per call.

const GRPC = { "content-type": "application/grpc", te: "trailers" };
const JSON_GRPC = { "content-type": "application/grpc+json", te: "trailers" };
const path = (m: string) => `/fixture.v1.GreeterService/${m}`;

function frame(name: string): Buffer {
  return grpcFrame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
}
function jsonFrame(value: unknown): Buffer {
  return grpcFrame(Buffer.from(JSON.stringify(value)));
}
function greetings(body: Buffer): string[] {
  return grpcMessages(body).map((m) => fromBinary(GreetResponseSchema, m).greeting);
}

/** How each handler's signal ended, by request name. */
const aborted = new Map<string, string>();
function watch(name: string, ctx: HandlerContext): void {
  ctx.signal.addEventListener("abort", () => aborted.set(name, Code[ConnectError.from(ctx.signal.reason).code]));
}

const greeter = {
  greet(req: GreetRequest, ctx: HandlerContext) {
    watch(req.name, ctx);
    return { greeting: `hello, ${req.name}` };
  },
  async *greetStream(req: GreetRequest, ctx: HandlerContext) {
    watch(req.name, ctx);
    for (let i = 1; i <= 2; i++) yield { greeting: `${req.name} #${i}` };
  },
  async greetClientStream(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext) {
    const names: string[] = [];
    for await (const r of reqs) names.push(r.name);
    watch(names.join("+"), ctx);
    return { greeting: names.join(", ") };
  },
  async *greetBidi(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext) {
    for await (const r of reqs) {
      watch(r.name, ctx);
      yield { greeting: `re: ${r.name}` };
    }
  },
};

function count(metrics: DubboMetrics, method: string, outcome: RpcOutcome): number {
  return metrics.calls("provider", "fixture.v1.GreeterService", method)?.[outcome] ?? 0;
}

describe("the provider's gRPC engine", () => {
  const metrics = createDubboMetrics({ processMetrics: false });
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({ metrics: metrics.provider }, (p) => p.service(GreeterService, greeter));
  });
  afterAll(async () => {
    await provider?.close();
  });

  it("speaks application/grpc+json: unary, server streaming, client streaming and bidi", async () => {
    const session = await connectH2(provider.url);
    try {
      const unary = await h2Request(session, {
        path: path("Greet"),
        headers: JSON_GRPC,
        body: jsonFrame({ name: "j" }),
      });
      expect(unary.headers["content-type"]).toBe("application/grpc+json");
      expect(grpcMessages(unary.body).map((m) => JSON.parse(m.toString()))).toEqual([{ greeting: "hello, j" }]);
      const server = await h2Request(session, {
        path: path("GreetStream"),
        headers: JSON_GRPC,
        body: jsonFrame({ name: "s" }),
      });
      expect(grpcMessages(server.body).map((m) => m.toString())).toEqual([
        '{"greeting":"s #1"}',
        '{"greeting":"s #2"}',
      ]);
      const client = await h2Request(session, {
        path: path("GreetClientStream"),
        headers: JSON_GRPC,
        body: [jsonFrame({ name: "a" }), jsonFrame({ name: "b", unknownField: 1 })],
      });
      expect(grpcMessages(client.body).map((m) => m.toString())).toEqual(['{"greeting":"a, b"}']);
      const bidi = await h2Request(session, {
        path: path("GreetBidi"),
        headers: JSON_GRPC,
        body: [jsonFrame({ name: "x" }), jsonFrame({ name: "y" })],
      });
      expect(grpcMessages(bidi.body).map((m) => m.toString())).toEqual([
        '{"greeting":"re: x"}',
        '{"greeting":"re: y"}',
      ]);
    } finally {
      session.close();
    }
  });

  it("JSON that is not UTF-8, not JSON, or not the message is INVALID_ARGUMENT", async () => {
    const session = await connectH2(provider.url);
    try {
      for (const body of [
        grpcFrame(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
        grpcFrame(Buffer.from('{"name":')),
        jsonFrame({ name: 5 }),
      ]) {
        const r = await h2Request(session, { path: path("Greet"), headers: JSON_GRPC, body });
        expect(grpcStatus(r)).toBe(Code.InvalidArgument);
      }
    } finally {
      session.close();
    }
  });

  it("gzip: compressed requests of every kind are read; replies of 1 KiB or more come back gzip-compressed", async () => {
    const session = await connectH2(provider.url);
    const big = "g".repeat(2048);
    const gz = (name: string) =>
      grpcFrame(gzipSync(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name }))), { flags: 1 });
    const headers = { ...GRPC, "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" };
    try {
      const unary = await h2Request(session, { path: path("Greet"), headers, body: gz(big) });
      expect(grpcStatus(unary)).toBe(0);
      expect(unary.headers["grpc-encoding"]).toBe("gzip");
      expect(unary.body[0]).toBe(1); // the compressed flag
      const [packed] = grpcMessages(unary.body);
      expect(packed && fromBinary(GreetResponseSchema, gunzipSync(packed)).greeting).toBe(`hello, ${big}`);
      // A small reply stays uncompressed (flag 0) on the same gzip call.
      const small = await h2Request(session, { path: path("Greet"), headers, body: gz("s") });
      expect(small.body[0]).toBe(0);
      expect(greetings(small.body)).toEqual(["hello, s"]);
      const client = await h2Request(session, {
        path: path("GreetClientStream"),
        headers,
        body: [gz("a"), frame("b"), gz("c")], // compressed and plain messages mixed, as gRPC allows
      });
      expect(greetings(client.body)).toEqual(["a, b, c"]);
      // Without grpc-accept-encoding: gzip, replies are not compressed.
      const plain = await h2Request(session, {
        path: path("Greet"),
        headers: { ...GRPC, "grpc-encoding": "gzip" },
        body: gz(big),
      });
      expect(plain.headers["grpc-encoding"]).toBeUndefined();
      expect(greetings(plain.body)).toEqual([`hello, ${big}`]);
    } finally {
      session.close();
    }
  });

  it("a grpc-js client with gzip compression enabled talks to it (unary and bidi, messages above and below 1 KiB)", async () => {
    const client = new grpc.Client(provider.target, grpc.credentials.createInsecure(), {
      "grpc.default_compression_algorithm": 2,
    });
    const ser = (name: string) => Buffer.from(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
    const de = (b: Buffer) => fromBinary(GreetResponseSchema, b).greeting;
    const big = "j".repeat(4096);
    try {
      const unary = await new Promise<string>((resolve, reject) =>
        client.makeUnaryRequest(path("Greet"), ser, de, big, (e, v) => (e ? reject(e) : resolve(v as string))),
      );
      expect(unary).toBe(`hello, ${big}`);
      const bidi = client.makeBidiStreamRequest(path("GreetBidi"), ser, de);
      const got: string[] = [];
      bidi.on("data", (g: string) => got.push(g));
      const ended = new Promise<void>((resolve, reject) => {
        bidi.on("end", resolve);
        bidi.on("error", reject);
      });
      bidi.write(big);
      bidi.write("k");
      bidi.end();
      await ended;
      expect(got).toEqual([`re: ${big}`, "re: k"]);
    } finally {
      client.close();
    }
  });

  it("refuses what it cannot serve, naming it: an encoding, a timeout, a codec", async () => {
    const session = await connectH2(provider.url);
    try {
      const br = await h2Request(session, {
        path: path("Greet"),
        headers: { ...GRPC, "grpc-encoding": "br" },
        body: frame("x"),
      });
      expect(grpcStatus(br)).toBe(Code.Unimplemented);
      expect(br.headers["grpc-accept-encoding"]).toBe("gzip,identity");
      expect(grpcMessage(br)).toMatch(/unsupported grpc-encoding "br"/);
      const timeout = await h2Request(session, {
        path: path("Greet"),
        headers: { ...GRPC, "grpc-timeout": "5 seconds" },
        body: frame("x"),
      });
      expect(grpcStatus(timeout)).toBe(Code.InvalidArgument);
      expect(grpcMessage(timeout)).toMatch(/invalid grpc-timeout "5 seconds"/);
      const thrift = await h2Request(session, {
        path: path("Greet"),
        headers: { "content-type": "application/grpc+thrift", te: "trailers" },
        body: frame("x"),
      });
      expect(thrift.status).toBe(415);
    } finally {
      session.close();
    }
  });

  it("a handler's signal aborts when its call ends, success included, on every kind", async () => {
    const session = await connectH2(provider.url);
    try {
      await h2Request(session, { path: path("Greet"), headers: GRPC, body: frame("unary-ok") });
      await h2Request(session, { path: path("GreetStream"), headers: GRPC, body: frame("server-ok") });
      await h2Request(session, { path: path("GreetClientStream"), headers: GRPC, body: [frame("c1"), frame("c2")] });
      await h2Request(session, { path: path("GreetBidi"), headers: GRPC, body: frame("bidi-ok") });
      for (const name of ["unary-ok", "server-ok", "c1+c2", "bidi-ok"]) {
        await expect.poll(() => aborted.get(name), { timeout: 5000 }).toBe("Canceled");
      }
    } finally {
      session.close();
    }
  });

  it("records each call once, with its code, for every kind", async () => {
    const before = {
      Greet: count(metrics, "Greet", "succeed"),
      GreetStream: count(metrics, "GreetStream", "succeed"),
      GreetClientStream: count(metrics, "GreetClientStream", "succeed"),
      GreetBidi: count(metrics, "GreetBidi", "succeed"),
      missing: metrics.calls("provider", "fixture.v1.GreeterService", "Greet")?.requests ?? 0,
    };
    const session = await connectH2(provider.url);
    try {
      await h2Request(session, { path: path("Greet"), headers: GRPC, body: frame("m") });
      await h2Request(session, { path: path("GreetStream"), headers: GRPC, body: frame("m") });
      await h2Request(session, { path: path("GreetClientStream"), headers: GRPC, body: [frame("m")] });
      await h2Request(session, { path: path("GreetBidi"), headers: GRPC, body: [frame("m"), frame("n")] });
      await h2Request(session, { path: path("Greet"), headers: GRPC }); // no message: UNIMPLEMENTED
    } finally {
      session.close();
    }
    for (const m of ["Greet", "GreetStream", "GreetClientStream", "GreetBidi"] as const) {
      await expect.poll(() => count(metrics, m, "succeed"), { timeout: 5000 }).toBe(before[m] + 1);
    }
    // The call without a message counts once too, as started and failed (UNIMPLEMENTED: service_unavailable).
    expect(metrics.calls("provider", "fixture.v1.GreeterService", "Greet")?.requests).toBe(before.missing + 2);
    expect(metrics.calls("provider", "fixture.v1.GreeterService", "GreetBidi")?.processing).toBe(0);
  });

  it("labels a call's metrics with the version and group of the registration that served it", async () => {
    const own = createDubboMetrics({ processMetrics: false });
    const routed = await startContractProvider({ metrics: own.provider }, (p) =>
      p.service(GreeterService, greeter, { version: "1.0.0", group: "blue" }),
    );
    const session = await connectH2(routed.url);
    try {
      const headers = { ...GRPC, "tri-service-version": "1.0.0", "tri-service-group": "blue" };
      expect(grpcStatus(await h2Request(session, { path: path("Greet"), headers, body: frame("v") }))).toBe(0);
      expect(own.calls("provider", "fixture.v1.GreeterService", "Greet", "1.0.0", "blue")?.succeed).toBe(1);
    } finally {
      session.close();
      await routed.close();
    }
  });
});
