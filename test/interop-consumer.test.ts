import { setTimeout as sleep } from "node:timers/promises";
import { decodeBinaryHeader, encodeBinaryHeader } from "@connectrpc/connect";
import { Code, ConnectError, createConsumer, type ReferenceOptions } from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GrpcJsGreeter, startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { type PythonGreeter, startPythonGreeter } from "./peers/python-peer.js";
import { GreeterService, type GreetRequest } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const ECHO_BIN = new Uint8Array([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);

async function* names(...list: string[]): AsyncIterable<Partial<GreetRequest>> {
  for (const name of list) {
    await sleep(1);
    yield { name };
  }
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

let grpcJs: GrpcJsGreeter;
let python: PythonGreeter;
let ours: TestProvider;
beforeAll(async () => {
  grpcJs = await startGrpcJsGreeter();
  python = await startPythonGreeter();
  ours = await startContractProvider();
});
afterAll(async () => {
  await grpcJs?.close();
  await python?.close();
  await ours?.close();
});

/** Every server x wire combination the consumer must handle. gRPC has one path for every call kind and codec. */
const cases: { label: string; url: () => string; ref: Partial<ReferenceOptions>; streaming: boolean }[] = [
  { label: "gRPC to an @grpc/grpc-js server", url: () => `tri://${grpcJs.target}`, ref: {}, streaming: true },
  { label: "gRPC to a Python grpcio server", url: () => `tri://${python.target}`, ref: {}, streaming: true },
  { label: "gRPC to a dubbo-mesh provider", url: () => ours.url, ref: {}, streaming: true },
  {
    label: "gRPC JSON (application/grpc+json) to a dubbo-mesh provider",
    url: () => ours.url,
    ref: { json: true },
    streaming: true,
  },
  {
    label: "Triple HTTP/1.1 proto to a dubbo-mesh provider",
    url: () => ours.url,
    ref: { protocol: "triple" },
    streaming: false,
  },
  {
    label: "Triple HTTP/1.1 JSON to a dubbo-mesh provider",
    url: () => ours.url,
    ref: { protocol: "triple", json: true },
    streaming: false,
  },
  {
    label: "Triple over HTTP/2 to a dubbo-mesh provider",
    url: () => ours.url,
    ref: { protocol: "triple", httpVersion: "2" },
    streaming: false,
  },
];

describe.each(cases)("consumer: $label", ({ url, ref, streaming }) => {
  const consumer = createConsumer({ application: "interop-test" });
  afterAll(() => consumer.close());
  const greeter = () => consumer.reference(GreeterService, { url: url(), timeout: 5000, ...ref });

  it("unary with metadata: header, trailer and binary header echoed", async () => {
    let header = new Headers();
    let trailer = new Headers();
    const res = await greeter().greet(
      { name: "alice" },
      {
        headers: { "x-echo": "abc", "x-echo-bin": encodeBinaryHeader(ECHO_BIN) },
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (t) => {
          trailer = t;
        },
      },
    );
    expect(res.greeting).toBe("hello, alice");
    expect(header.get("x-echo")).toBe("abc");
    expect(trailer.get("x-echo-trailer")).toBe("abc");
    expect(decodeBinaryHeader(header.get("x-echo-bin") ?? "")).toEqual(ECHO_BIN);
  });

  it("error code, message and metadata in one error type", async () => {
    const e = await failure(greeter().greet({ name: "error:5:no such user" }, { headers: { "x-echo": "m" } }));
    expect(e.code).toBe(Code.NotFound);
    expect(e.rawMessage).toBe("no such user");
    expect(e.metadata.get("x-echo")).toBe("m");
  });

  it("per-call deadline -> DEADLINE_EXCEEDED", async () => {
    const e = await failure(greeter().greet({ name: "sleep:2000" }, { timeoutMs: 200 }));
    expect(e.code).toBe(Code.DeadlineExceeded);
  });

  it("reference timeout is the default deadline", async () => {
    const short = consumer.reference(GreeterService, { url: url(), ...ref, timeout: 150 });
    const e = await failure(short.greet({ name: "sleep:2000" }));
    expect(e.code).toBe(Code.DeadlineExceeded);
  });

  it.runIf(streaming)("server streaming, client streaming and bidi", async () => {
    const got: string[] = [];
    for await (const r of greeter().greetStream({ name: "ann" })) got.push(r.greeting);
    expect(got).toEqual(["hello, ann #1", "hello, ann #2", "hello, ann #3"]);
    const joined = await greeter().greetClientStream(names("a", "b", "c"));
    expect(joined.greeting).toBe("hello, a, b, c");
    const bidi: string[] = [];
    for await (const r of greeter().greetBidi(names("x", "y"))) bidi.push(r.greeting);
    expect(bidi).toEqual(["hello, x", "hello, y"]);
  });

  it.runIf(!streaming)("server streaming over Triple HTTP arrives as Server-Sent Events", async () => {
    const got: string[] = [];
    for await (const r of greeter().greetStream({ name: "ann" })) got.push(r.greeting);
    expect(got).toEqual(["hello, ann #1", "hello, ann #2", "hello, ann #3"]);
  });

  it.runIf(!streaming)(
    "client and bidi streaming over Triple HTTP fail with UNIMPLEMENTED, saying to use gRPC",
    async () => {
      const e = await failure(greeter().greetClientStream(names("a")));
      expect(e.code).toBe(Code.Unimplemented);
      expect(e.rawMessage).toMatch(/gRPC/);
      const bidi = await failure(
        (async () => {
          for await (const _ of greeter().greetBidi(names("x"))) {
            /* drain */
          }
        })(),
      );
      expect(bidi.code).toBe(Code.Unimplemented);
    },
  );
});

describe("consumer: failures before any provider answers", () => {
  it("no listener -> UNAVAILABLE", async () => {
    const consumer = createConsumer();
    try {
      const e = await failure(consumer.reference(GreeterService, { url: "tri://127.0.0.1:1" }).greet({ name: "x" }));
      expect(e.code).toBe(Code.Unavailable);
    } finally {
      consumer.close();
    }
  });

  it("a bad url is refused with a message naming it", () => {
    const consumer = createConsumer();
    expect(() => consumer.reference(GreeterService, { url: "zookeeper://x:1" })).toThrow(/zookeeper/);
    consumer.close();
  });
});
