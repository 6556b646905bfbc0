import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { Code, createConsumer } from "@dubbo-mesh/consumer";
import type { ProviderOptions } from "@dubbo-mesh/provider";
import { createDubboMetrics, type DubboMetrics, type RpcOutcome } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService, GreetRequestSchema, GreetResponseSchema } from "./support/greeter-proto.js";
import { grpcJsGreetStream } from "./support/grpc-js-stream.js";
import { connectH2, grpcFrame, grpcMessage, grpcMessages, grpcStatus, h2Request } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { type StreamCall, streamGreeting, streamingGreeter } from "./support/streaming-greeter.js";
import { settled, until } from "./support/wait.js";

// Server streaming on the provider's gRPC engine, binary and JSON (`application/grpc+json`): each test checks that
// its calls ran on the engine (the handler got the engine's own context).

const GREET_STREAM = "/fixture.v1.GreeterService/GreetStream";
const GRPC = { "content-type": "application/grpc", te: "trailers" };

const lanes: { lane: StreamCall["lane"]; options: ProviderOptions }[] = [{ lane: "engine", options: {} }];

function request(name: string): Buffer {
  return grpcFrame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
}

function greetings(body: Buffer): string[] {
  return grpcMessages(body).map((m) => fromBinary(GreetResponseSchema, m).greeting);
}

/** Counts the finished GreetStream calls of one outcome (`dubbo_provider_requests_succeed_total`, ...). */
function completed(metrics: DubboMetrics, outcome: RpcOutcome): number {
  return metrics.calls("provider", "fixture.v1.GreeterService", "GreetStream")?.[outcome] ?? 0;
}

describe.each(lanes)("server streaming on the $lane", ({ lane, options }) => {
  const calls: StreamCall[] = [];
  const metrics = createDubboMetrics({ processMetrics: false });
  const consumer = createConsumer({ application: "server-streaming-test" });
  let provider: TestProvider;
  let client: grpc.Client;
  const callNamed = (name: string) => calls.find((c) => c.name === name);

  beforeAll(async () => {
    provider = await startContractProvider({ ...options, metrics: metrics.provider }, (p) =>
      p.service(GreeterService, streamingGreeter(calls)),
    );
    client = new grpc.Client(provider.target, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    consumer.close();
    await provider?.close();
  });

  it("replies in order, with the handler's headers and trailers (incl. -bin) and the request's headers", async () => {
    const r = await grpcJsGreetStream(client, "count:5", { metadata: { "x-test": "from grpc-js" } });
    expect(r.code).toBe(grpc.status.OK);
    expect(r.greetings).toEqual([1, 2, 3, 4, 5].map((i) => streamGreeting(i)));
    expect(r.headers["x-stream"]).toBe("count:5");
    expect(r.trailers["x-stream-end"]).toBe("done");
    expect(r.trailers["x-stream-bin"]).toEqual(Buffer.from([0, 255]));
    const call = callNamed("count:5");
    expect(call?.lane).toBe(lane);
    expect(call?.header).toBe("from grpc-js");
    expect(call?.ended).toBe("completed");
    // Connect aborts a handler's signal once its call is over, also after success; the engine does the same.
    await until(() => call?.aborted !== undefined, "the signal to abort after the call");
    expect(call?.aborted).toBe("Canceled");
    expect(completed(metrics, "succeed")).toBeGreaterThanOrEqual(1);
  });

  it("a handler that yields nothing: headers, no messages, grpc-status 0 in the trailers", async () => {
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, { path: GREET_STREAM, headers: GRPC, body: request("count:0") });
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
      expect(r.headers["x-stream"]).toBe("count:0");
      expect(r.trailers["grpc-status"]).toBe("0");
      expect(r.trailers["x-stream-end"]).toBe("done");
    } finally {
      session.close();
    }
  });

  it("the client cancels after 5 replies: the handler's signal aborts, its generator stops, the provider serves on", async () => {
    const before = completed(metrics, "unknown");
    const r = await grpcJsGreetStream(client, "endless:16", {
      onReply: (got, cancel) => {
        if (got.length === 5) cancel();
      },
    });
    expect(r.code).toBe(grpc.status.CANCELLED);
    const call = callNamed("endless:16");
    expect(call?.lane).toBe(lane);
    await until(() => call?.ended !== undefined && call.aborted !== undefined, "the handler to stop");
    expect(call?.aborted).toBe("Canceled");
    expect(call?.ended).not.toBe("completed");
    const stoppedAt = call?.produced ?? 0;
    expect(stoppedAt).toBeGreaterThanOrEqual(5);
    expect(await settled(() => call?.produced ?? 0, "messages produced after the cancel")).toBe(stoppedAt);
    // The engine counts the call as CANCELED, as it counts any call the client cancelled: an unknown failure.
    await until(() => completed(metrics, "unknown") === before + 1, "the metrics to count the cancelled call");
    // The provider and the same channel serve on.
    const next = await grpcJsGreetStream(client, "count:2");
    expect(next.greetings).toEqual([streamGreeting(1), streamGreeting(2)]);
  });

  it("our consumer cancels after 3 replies (AbortSignal): the handler's signal aborts and its generator stops", async () => {
    const greeter = consumer.reference(GreeterService, { url: provider.url, timeout: 10_000 });
    const got: string[] = [];
    const cancel = new AbortController();
    const error = await (async () => {
      for await (const reply of greeter.greetStream({ name: "tick:5" }, { signal: cancel.signal })) {
        got.push(reply.greeting);
        if (got.length === 3) cancel.abort();
      }
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Canceled);
    expect(got).toEqual([1, 2, 3].map((i) => streamGreeting(i)));
    const call = callNamed("tick:5");
    expect(call?.lane).toBe(lane);
    await until(() => call?.ended !== undefined, "the handler to stop");
    expect(call?.aborted).toBe("Canceled");
    expect(call?.ended).not.toBe("completed");
  });

  it("our consumer breaks out of for-await after 3 replies: the call is cancelled, the handler's signal aborts", async () => {
    const greeter = consumer.reference(GreeterService, { url: provider.url, timeout: 60_000 });
    const got: string[] = [];
    for await (const reply of greeter.greetStream({ name: "tick:5" })) {
      got.push(reply.greeting);
      if (got.length === 3) break;
    }
    expect(got).toEqual([1, 2, 3].map((i) => streamGreeting(i)));
    const call = calls.filter((c) => c.name === "tick:5").at(-1);
    expect(call?.lane).toBe(lane);
    // Without the cancel the handler would keep ticking until the 60 s deadline.
    await until(() => call?.ended !== undefined, "the handler to stop");
    expect(call?.aborted).toBe("Canceled");
    expect(call?.ended).not.toBe("completed");
  });

  it("a deadline mid-stream (grpc-timeout 300m): replies so far, then DEADLINE_EXCEEDED in the trailers", async () => {
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, {
        path: GREET_STREAM,
        headers: { ...GRPC, "grpc-timeout": "300m" },
        body: request("tick:20"),
      });
      expect(r.status).toBe(200);
      expect(r.trailers["grpc-status"]).toBe("4"); // after the replies: not trailers-only
      expect(r.headers["grpc-status"]).toBeUndefined();
      const got = greetings(r.body);
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(got.map((_, i) => streamGreeting(i + 1)));
      const call = callNamed("tick:20");
      expect(call?.lane).toBe(lane);
      await until(() => call?.ended !== undefined, "the handler to stop");
      expect(call?.aborted).toBe("DeadlineExceeded");
      expect(call?.ended).not.toBe("completed");
    } finally {
      session.close();
    }
    // A grpc-js client with a deadline sees the same.
    const r = await grpcJsGreetStream(client, "tick:21", { deadlineMs: 300 });
    expect(r.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(r.greetings.length).toBeGreaterThan(0);
  });

  it("an error after 3 replies: the 3 replies, then the status and the handler's trailers in the trailers", async () => {
    const before = completed(metrics, "business");
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, {
        path: GREET_STREAM,
        headers: GRPC,
        body: request("count:3:error:5:gone away"),
      });
      expect(greetings(r.body)).toEqual([1, 2, 3].map((i) => streamGreeting(i)));
      expect(r.headers["grpc-status"]).toBeUndefined();
      expect(r.headers["x-stream"]).toBe("count:3:error:5:gone away");
      expect(grpcStatus(r)).toBe(5);
      expect(grpcMessage(r)).toBe("gone away");
      expect(r.trailers["x-stream-end"]).toBe("done");
    } finally {
      session.close();
    }
    const js = await grpcJsGreetStream(client, "count:3:error:5:gone away");
    expect(js.greetings).toHaveLength(3);
    expect(js.code).toBe(grpc.status.NOT_FOUND);
    expect(js.details).toBe("gone away");
    expect(js.trailers["x-stream-end"]).toBe("done");
    const greeter = consumer.reference(GreeterService, { url: provider.url, timeout: 10_000 });
    const got: string[] = [];
    const error = await (async () => {
      for await (const reply of greeter.greetStream({ name: "count:3:error:5:gone away" })) got.push(reply.greeting);
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(got).toHaveLength(3);
    expect(error?.code).toBe(Code.NotFound);
    expect(error?.rawMessage).toBe("gone away");
    expect(callNamed("count:3:error:5:gone away")?.lane).toBe(lane);
    // NOT_FOUND is a status only application code produces: a business failure.
    await until(() => completed(metrics, "business") === before + 3, "the metrics to count the 3 failed calls");
  });

  it("an error before the first reply: the status with the handler's headers and trailers", async () => {
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, {
        path: GREET_STREAM,
        headers: GRPC,
        body: request("count:0:error:7:denied"),
      });
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
      expect(grpcStatus(r)).toBe(7);
      expect(grpcMessage(r)).toBe("denied");
      expect(r.headers["x-stream"]).toBe("count:0:error:7:denied");
      expect(r.headers["x-stream-end"] ?? r.trailers["x-stream-end"]).toBe("done");
      // Trailers-only (one HEADERS frame), as for unary errors.
      expect(r.headers["grpc-status"]).toBe("7");
    } finally {
      session.close();
    }
  });

  it("backpressure: a client that stops reading holds the handler back; reading again lets it go on", async () => {
    const session = await connectH2(provider.url);
    try {
      const stream = session.request({ ":method": "POST", ":path": GREET_STREAM, ...GRPC });
      stream.on("error", () => {});
      let pending = Buffer.alloc(0);
      let received = 0;
      stream.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
          pending = pending.subarray(5 + pending.readUInt32BE(1));
          received++;
          if (received === 20) stream.pause(); // stop reading: no more WINDOW_UPDATEs for this stream
        }
      });
      stream.end(request("endless:1000"));
      await until(() => received >= 20, "the first 20 replies");
      const call = calls.find((c) => c.name === "endless:1000");
      expect(call?.lane).toBe(lane);
      const produced = await settled(() => call?.produced ?? 0, "production while the client does not read");
      // What may be in flight: the client's stream window and read buffer (64 KiB + 16 KiB), the server's stream
      // buffer (64 KiB) and what each lane holds besides (a 16 KiB batch, or connect's pipeline) — ~200 replies of
      // 1 KiB. A lane that ignored backpressure would keep producing, without bound.
      expect(produced - received).toBeLessThan(400);
      stream.resume();
      await until(() => received >= produced + 200, "replies after reading resumed");
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await until(() => call?.ended !== undefined, "the handler to stop");
    } finally {
      session.close();
    }
  });

  it("the provider stopping ends a stream in flight: the handler's signal aborts, its generator stops", async () => {
    const own = await startContractProvider(options, (p) => p.service(GreeterService, streamingGreeter(calls)));
    const ownClient = new grpc.Client(own.target, grpc.credentials.createInsecure());
    try {
      let stopping: Promise<void> | undefined;
      const r = await grpcJsGreetStream(ownClient, "tick:10:shutdown", {
        onReply: (got) => {
          if (got.length === 2) stopping = own.close(); // grace 1000 ms, then the session is closed
        },
      });
      await stopping;
      expect(r.code).not.toBe(grpc.status.OK);
      expect(r.greetings.length).toBeGreaterThanOrEqual(2);
      const call = callNamed("tick:10:shutdown");
      expect(call?.lane).toBe(lane);
      await until(() => call?.ended !== undefined, "the handler to stop");
      expect(call?.aborted).toBeDefined();
      expect(call?.ended).not.toBe("completed");
    } finally {
      ownClient.close();
      await own.close();
    }
  });

  it("routes by version and group as unary calls do, with fallback; no match is UNIMPLEMENTED", async () => {
    const routed = await startContractProvider(options, (p) => {
      p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" });
      p.service(GreeterService, contractGreeter("v1-blue"), { version: "1.0.0", group: "blue" });
      p.service(GreeterService, contractGreeter("default"));
    });
    const strict = await startContractProvider({ ...options, fallbackToDefault: false }, (p) =>
      p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" }),
    );
    const stream = async (url: string, version?: string, group?: string) => {
      const greeter = consumer.reference(GreeterService, { url, version, group, timeout: 10_000 });
      const got: string[] = [];
      for await (const r of greeter.greetStream({ name: "x" })) got.push(r.greeting);
      return got[0];
    };
    try {
      expect(await stream(routed.url, "1.0.0")).toBe("v1, x #1");
      expect(await stream(routed.url, "1.0.0", "blue")).toBe("v1-blue, x #1");
      expect(await stream(routed.url, "9.9.9")).toBe("default, x #1");
      expect(await stream(strict.url, "1.0.0")).toBe("v1, x #1");
      const miss = await stream(strict.url, "9.9.9").then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(miss?.code).toBe(Code.Unimplemented);
      expect(miss?.rawMessage).toMatch(/no provider for fixture\.v1\.GreeterService.*9\.9\.9/);
    } finally {
      await routed.close();
      await strict.close();
    }
  });
});

describe.each(lanes)("interceptors on a server-streaming call, $lane", ({ options }) => {
  interface Seen {
    stream: boolean;
    method: string;
    header: string | null;
    messages: number;
    error?: string;
  }
  const seen: Seen[] = [];
  // Records what it sees, sets a response header before the stream and a trailer after it.
  const recorder: Interceptor = (next) => async (req) => {
    const s: Seen = { stream: req.stream, method: req.method.name, header: req.header.get("x-test"), messages: 0 };
    seen.push(s);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (e) {
      s.error = Code[ConnectError.from(e).code];
      throw e;
    }
    res.header.set("x-intercepted", "yes");
    if (!res.stream) return res;
    const inner = res.message;
    async function* counted() {
      for await (const m of inner) {
        s.messages++;
        yield m;
      }
      res.trailer.set("x-intercepted-count", String(s.messages));
    }
    return { ...res, message: counted() } as typeof res;
  };
  const calls: StreamCall[] = [];
  let provider: TestProvider;
  let client: grpc.Client;
  beforeAll(async () => {
    provider = await startContractProvider({ ...options, interceptors: [recorder] }, (p) =>
      p.service(GreeterService, streamingGreeter(calls)),
    );
    client = new grpc.Client(provider.target, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await provider?.close();
  });

  it("see the stream call, its request headers and every reply; what they and the handler set reaches the client", async () => {
    seen.length = 0;
    const r = await grpcJsGreetStream(client, "count:4", { metadata: { "x-test": "t" } });
    expect(r.code).toBe(grpc.status.OK);
    expect(r.greetings).toHaveLength(4);
    expect(seen).toEqual([{ stream: true, method: "GreetStream", header: "t", messages: 4 }]);
    expect(r.headers["x-intercepted"]).toBe("yes");
    expect(r.headers["x-stream"]).toBe("count:4"); // set by the handler through the context it got
    expect(r.trailers["x-intercepted-count"]).toBe("4");
    expect(r.trailers["x-stream-end"]).toBe("done");
  });

  it("see bad input as the error of the call, as connect's interceptor chain shows it to them", async () => {
    seen.length = 0;
    const session = await connectH2(provider.url);
    try {
      const truncated = grpcFrame(Buffer.alloc(10, 1), { length: 100 });
      const r = await h2Request(session, { path: GREET_STREAM, headers: GRPC, body: truncated });
      expect(grpcStatus(r)).toBe(13);
      expect(grpcMessage(r)).toMatch(/incomplete envelope/);
    } finally {
      session.close();
    }
    expect(seen).toEqual([{ stream: true, method: "GreetStream", header: null, messages: 0, error: "Internal" }]);
  });

  it("a unary handler under an interceptor gets a whole context (response headers it sets reach the client)", async () => {
    const consumer = createConsumer({ application: "interceptor-test" });
    try {
      const greeter = consumer.reference(GreeterService, { url: provider.url, timeout: 10_000 });
      let header: Headers | undefined;
      const reply = await greeter.greet({ name: "u" }, { onHeader: (h) => (header = h) });
      expect(reply.greeting).toBe("hello, u");
      expect(header?.get("x-greet")).toBe("set by the handler");
      expect(header?.get("x-intercepted")).toBe("yes");
    } finally {
      consumer.close();
    }
  });
});
