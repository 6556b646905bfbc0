import * as http from "node:http";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { createConsumer } from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { curlStream, sseEvents } from "./support/curl-stream.js";
import { GreeterService, type GreetRequest } from "./support/greeter-proto.js";
import { connectH2, grpcFrame, grpcMessages, h2Request } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

// Triple server streaming over HTTP/1.1 as Server-Sent Events (Dubbo Java 3.3's Http1SseServerChannelObserver):
// curl -N reads the events as the handler produces them; our consumer's Triple protocol calls the same methods.

const STREAM = "/fixture.v1.GreeterService/GreetStream";
const JSON_TYPE = { "content-type": "application/json" };

/** Controls of the streaming greeter below, reset before each test. */
const control = {
  gate: Promise.withResolvers<void>(),
  produced: 0,
  abortedWith: [] as (number | undefined)[],
};

function failure(e: unknown): ConnectError {
  return ConnectError.from(e);
}

/** A greeter whose stream does what the request's name says, and records how it ended. */
function streamingGreeter(): ServiceImpl<typeof GreeterService> {
  return {
    ...contractGreeter(),
    async *greetStream(req: GreetRequest, ctx: HandlerContext) {
      ctx.signal.addEventListener("abort", () => {
        control.abortedWith.push((ctx.signal.reason as { code?: number } | undefined)?.code);
      });
      const [kind, arg] = req.name.split(":");
      if (kind === "gated") {
        yield { greeting: "first" };
        await control.gate.promise;
        yield { greeting: "second" };
      } else if (kind === "fail-after") {
        for (let i = 1; i <= Number(arg); i++) yield { greeting: `#${i}` };
        throw new ConnectError("the rest is gone", Code.NotFound);
      } else if (kind === "fail-first") {
        throw new ConnectError("not for you", Code.PermissionDenied);
      } else if (kind === "hang") {
        yield { greeting: "one" };
        await new Promise(() => {});
      } else if (kind === "flood") {
        const big = "x".repeat(64 * 1024);
        while (!ctx.signal.aborted) {
          control.produced++;
          yield { greeting: big };
        }
      } else {
        for (let i = 1; i <= 3; i++) yield { greeting: `hello, ${req.name} #${i}` };
      }
    },
  };
}

let provider: TestProvider;

beforeAll(async () => {
  provider = await startContractProvider({}, (p) => p.service(GreeterService, streamingGreeter()));
});

afterAll(async () => {
  await provider?.close();
});

beforeEach(() => {
  control.gate = Promise.withResolvers<void>();
  control.produced = 0;
  control.abortedWith = [];
});

describe("SSE with curl -N --http1.1", () => {
  it("text/event-stream, one data: event of JSON per message, each written as it is produced", async () => {
    const c = curlStream(`${provider.url}${STREAM}`, { headers: JSON_TYPE, body: '{"name":"gated"}' });
    try {
      await c.waitFor('data:{"greeting":"first"}\n\n');
      // The handler is parked on the gate: the first event reached curl before the second message existed.
      expect(c.output()).not.toContain("second");
      expect(c.output()).toMatch(/^HTTP\/1\.1 200 /);
      expect(c.output()).toMatch(/\r\ncontent-type: text\/event-stream\r\n/i);
      expect(c.output()).toMatch(/\r\ncache-control: no-cache\r\n/i);
      expect(c.output()).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
      control.gate.resolve();
      expect(await c.exited()).toBe(0);
      expect(sseEvents(c.output())).toEqual([
        { event: "message", data: '{"greeting":"first"}' },
        { event: "message", data: '{"greeting":"second"}' },
      ]);
    } finally {
      c.kill();
    }
  });

  it("an error after messages ends the stream with an error event carrying the gRPC code", async () => {
    const c = curlStream(`${provider.url}${STREAM}`, { headers: JSON_TYPE, body: '{"name":"fail-after:2"}' });
    expect(await c.exited()).toBe(0);
    const events = sseEvents(c.output());
    expect(events.slice(0, 2)).toEqual([
      { event: "message", data: '{"greeting":"#1"}' },
      { event: "message", data: '{"greeting":"#2"}' },
    ]);
    expect(events[2]?.event).toBe("error");
    expect(JSON.parse(events[2]?.data ?? "")).toEqual({ status: 5, code: "not_found", message: "the rest is gone" });
    expect(events).toHaveLength(3);
  });

  it("an error before the first message is a plain Triple error response", async () => {
    const c = curlStream(`${provider.url}${STREAM}`, { headers: JSON_TYPE, body: '{"name":"fail-first"}' });
    expect(await c.exited()).toBe(0);
    expect(c.output()).toMatch(/^HTTP\/1\.1 403 /);
    expect(c.output()).toMatch(/\r\ntri-exception-code: 7\r\n/i);
    const body = c.output().slice(c.output().indexOf("\r\n\r\n") + 4);
    expect(JSON.parse(body)).toEqual({ status: 7, code: "permission_denied", message: "not for you" });
  });

  it("tri-service-timeout ends a stream that outlives it: error event DEADLINE_EXCEEDED, handler aborted", async () => {
    const c = curlStream(`${provider.url}${STREAM}`, {
      headers: { ...JSON_TYPE, "tri-service-timeout": "300" },
      body: '{"name":"hang"}',
    });
    expect(await c.exited()).toBe(0);
    const events = sseEvents(c.output());
    expect(events[0]).toEqual({ event: "message", data: '{"greeting":"one"}' });
    expect(events[1]?.event).toBe("error");
    expect(JSON.parse(events[1]?.data ?? "")).toMatchObject({ status: 4, code: "deadline_exceeded" });
    await until(() => control.abortedWith.length > 0, "the handler's abort");
    expect(control.abortedWith[0]).toBe(Code.DeadlineExceeded);
  });

  it("the same stream over HTTP/2 (curl --http2-prior-knowledge)", async () => {
    const c = curlStream(`${provider.url}${STREAM}`, {
      headers: JSON_TYPE,
      body: '{"name":"h2"}',
      extraArgs: ["--http2-prior-knowledge"],
    });
    expect(await c.exited()).toBe(0);
    expect(c.output()).toMatch(/^HTTP\/2 200/);
    expect(sseEvents(c.output()).map((e) => JSON.parse(e.data).greeting)).toEqual([
      "hello, h2 #1",
      "hello, h2 #2",
      "hello, h2 #3",
    ]);
  });

  it("client streaming over HTTP/1.1 -> 505 with Dubbo's refusal", async () => {
    const c = curlStream(`${provider.url}/fixture.v1.GreeterService/GreetClientStream`, {
      headers: JSON_TYPE,
      body: '{"name":"x"}',
    });
    expect(await c.exited()).toBe(0);
    expect(c.output()).toMatch(/^HTTP\/1\.1 505 /);
    const body = JSON.parse(c.output().slice(c.output().indexOf("\r\n\r\n") + 4));
    expect(body.status).toBe(12);
    expect(body.message).toMatch(/^HTTP1\.x only support unary and server-stream: .*GreetClientStream/);
  });
});

describe("SSE backpressure", () => {
  it("a reader that stops reading stops the handler; the caller leaving aborts it", async () => {
    const req = http.request(`${provider.url}${STREAM}`, { method: "POST", headers: JSON_TYPE, agent: false });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
    });
    req.end('{"name":"flood"}');
    const res = await response;
    res.pause(); // read nothing more: socket buffers fill, then the provider must stop pulling the handler
    expect(res.headers["content-type"]).toBe("text/event-stream");
    // Without backpressure the handler would produce without end (64 KiB per message); with it, it stalls.
    let last = -1;
    let stable = 0;
    await until(
      () => {
        stable = control.produced === last ? stable + 1 : 0;
        last = control.produced;
        return stable >= 20;
      },
      "the handler to stall",
      10_000,
    );
    expect(control.produced).toBeGreaterThan(0);
    expect(control.produced).toBeLessThan(200); // well under 12.5 MiB: bounded by buffers, not by the handler
    const stalledAt = control.produced;
    req.destroy();
    // The handler's signal aborts, and its loop (which checks the signal) ends within a message or two.
    await until(() => control.abortedWith.length > 0, "the handler's abort");
    expect(control.produced).toBeLessThanOrEqual(stalledAt + 2);
  });
});

describe.each([
  { httpVersion: "1.1" as const, json: false },
  { httpVersion: "1.1" as const, json: true },
  { httpVersion: "2" as const, json: false },
])(
  "consumer protocol triple (HTTP/$httpVersion, json $json) calls server streams over SSE",
  ({ httpVersion, json }) => {
    const consumer = createConsumer({ application: "sse-test" });
    afterAll(() => consumer.close());
    const greeter = () =>
      consumer.reference(GreeterService, { url: provider.url, protocol: "triple", httpVersion, json, timeout: 5000 });

    it("messages arrive as they are produced", async () => {
      const it = greeter().greetStream({ name: "gated" })[Symbol.asyncIterator]();
      expect((await it.next()).value?.greeting).toBe("first");
      control.gate.resolve();
      expect((await it.next()).value?.greeting).toBe("second");
      expect((await it.next()).done).toBe(true);
    });

    it("an error event ends the stream with its code and message", async () => {
      const got: string[] = [];
      let error: ConnectError | undefined;
      try {
        for await (const r of greeter().greetStream({ name: "fail-after:2" })) got.push(r.greeting);
      } catch (e) {
        error = failure(e);
      }
      expect(got).toEqual(["#1", "#2"]);
      expect(error?.code).toBe(Code.NotFound);
      expect(error?.rawMessage).toBe("the rest is gone");
    });

    it("an error before any message has its code too", async () => {
      let error: ConnectError | undefined;
      try {
        for await (const _ of greeter().greetStream({ name: "fail-first" })) {
          /* none */
        }
      } catch (e) {
        error = failure(e);
      }
      expect(error?.code).toBe(Code.PermissionDenied);
    });

    it("the call's deadline ends the stream with DEADLINE_EXCEEDED", async () => {
      const got: string[] = [];
      let error: ConnectError | undefined;
      try {
        for await (const r of greeter().greetStream({ name: "hang" }, { timeoutMs: 300 })) got.push(r.greeting);
      } catch (e) {
        error = failure(e);
      }
      expect(got).toEqual(["one"]);
      expect(error?.code).toBe(Code.DeadlineExceeded);
      await until(() => control.abortedWith.length > 0, "the handler's abort");
    });
  },
);

describe("a Triple stream in dubbo-js 3.0's framing (Connect streaming) ending in an error", () => {
  it("the end-of-stream message carries Connect's code name and the numeric status dubbo-js reads", async () => {
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, {
        path: STREAM,
        headers: { "content-type": "application/connect+json" },
        body: grpcFrame(Buffer.from('{"name":"fail-after:1"}')),
      });
      expect(r.status).toBe(200);
      // Connect envelopes have gRPC's 5-byte prefix; flag 2 marks the end-of-stream message.
      const envelopes = grpcMessages(r.body);
      expect(JSON.parse(envelopes[0]?.toString() ?? "")).toEqual({ greeting: "#1" });
      expect(r.body[5 + (envelopes[0]?.length ?? 0)]).toBe(2);
      expect(JSON.parse(envelopes[1]?.toString() ?? "")).toEqual({
        error: { code: "not_found", status: 5, message: "the rest is gone" },
      });
    } finally {
      session.close();
    }
  });
});

describe("the consumer reads Dubbo Java's way of failing an SSE stream", () => {
  it("a data event holding Dubbo's error body ends the stream with its code", async () => {
    // A stand-in for Dubbo Java 3.3's Http1SseServerChannelObserver: its onError writes the error body as one more
    // data event ({"status":"<http>","message"}), then ends the chunked response.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write('data:{"greeting":"from java"}\n\n');
        res.end('data:{"status":"503","message":"provider is overloaded"}\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const consumer = createConsumer();
    try {
      const greeter = consumer.reference(GreeterService, {
        url: `http://127.0.0.1:${port}`,
        protocol: "triple",
        json: true,
      });
      const got: string[] = [];
      let error: ConnectError | undefined;
      try {
        for await (const r of greeter.greetStream({ name: "x" })) got.push(r.greeting);
      } catch (e) {
        error = failure(e);
      }
      expect(got).toEqual(["from java"]);
      expect(error?.code).toBe(Code.Unavailable);
      expect(error?.rawMessage).toBe("provider is overloaded");
    } finally {
      consumer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
