import * as http2 from "node:http2";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { createDubboMetrics, type DubboMetrics, type RpcOutcome } from "@dubbo-mesh/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreeterService, type GreetRequest, GreetRequestSchema, GreetResponseSchema } from "./support/greeter-proto.js";
import { connectH2, grpcFrame, grpcMessages, grpcStatus, h2Request } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

// Flow control on the provider's gRPC engine, both ways, with peers that misbehave on purpose: a client that stops
// reading a server stream, and one that floods a client stream faster than its handler reads. Neither may make the
// provider buffer without bound, and both calls must still end at their deadline.

const GRPC = { "content-type": "application/grpc", te: "trailers" };
const KiB = 1024;

function frame(name: string): Buffer {
  return grpcFrame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
}

/** What the handlers saw, by call. */
interface Seen {
  produced: number;
  read: number;
  aborted?: string;
}
const seen = new Map<string, Seen>();

function record(name: string, ctx: HandlerContext): Seen {
  const s: Seen = { produced: 0, read: 0 };
  seen.set(name, s);
  ctx.signal.addEventListener("abort", () => {
    s.aborted = Code[ConnectError.from(ctx.signal.reason).code];
  });
  return s;
}

/** Handlers that write without end, never read, or read slowly — by the call's `x-case` header. */
const greeter = {
  async *greetStream(req: GreetRequest, ctx: HandlerContext) {
    const s = record(req.name, ctx);
    const greeting = "x".repeat(KiB);
    for (let i = 1; ; i++) {
      s.produced++;
      yield { greeting };
      if (i % 64 === 0) await yieldToLoop();
    }
  },
  async greetClientStream(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext) {
    const name = ctx.requestHeader.get("x-case") ?? "";
    const s = record(name, ctx);
    if (name.startsWith("never-reads")) {
      await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    }
    let sum = 0;
    for await (const r of reqs) {
      s.read++;
      sum += Number(r.name.slice(0, r.name.indexOf(":")));
      if (s.read % 50 === 0) await new Promise((r) => setTimeout(r, 1)); // a slow reader
    }
    return { greeting: `${s.read} messages, sum ${sum}` };
  },
};

function count(metrics: DubboMetrics, method: string, outcome: RpcOutcome): number {
  return metrics.calls("provider", "fixture.v1.GreeterService", method)?.[outcome] ?? 0;
}

/**
 * Writes `message(i)` frames as fast as the stream takes them (waiting for 'drain' when it is full) until `stop()`
 * or the stream closes; `flushed` counts the bytes the HTTP/2 session actually took (their write callbacks ran).
 */
function flood(stream: http2.ClientHttp2Stream, message: (i: number) => Buffer, total = Number.POSITIVE_INFINITY) {
  const state = { flushed: 0, written: 0, done: false };
  const step = () => {
    while (!state.done && !stream.destroyed && state.written < total) {
      const bytes = message(state.written++);
      const more = stream.write(bytes, () => {
        state.flushed += bytes.length;
      });
      if (!more) {
        stream.once("drain", step);
        return;
      }
    }
    if (state.written >= total && !stream.destroyed) stream.end();
  };
  stream.once("close", () => {
    state.done = true;
  });
  step();
  return state;
}

describe("flow control on the gRPC engine", () => {
  const metrics = createDubboMetrics({ processMetrics: false });
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({ metrics: metrics.provider }, (p) => p.service(GreeterService, greeter));
  });
  afterAll(async () => {
    await provider?.close();
  });

  it("a client that never reads a server stream holds its handler back; the call ends at its deadline", async () => {
    const session = await connectH2(provider.url);
    const rssBefore = process.memoryUsage().rss;
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/fixture.v1.GreeterService/GreetStream",
        ...GRPC,
        "grpc-timeout": "1S",
      });
      stream.on("error", () => {});
      // No 'data' listener and no resume(): nothing is read, so no WINDOW_UPDATE goes back for this stream.
      const closed = new Promise<void>((resolve) => stream.once("close", resolve));
      stream.end(frame("never-reads-stream"));
      await until(() => seen.get("never-reads-stream")?.aborted !== undefined, "the deadline to end the call");
      const s = seen.get("never-reads-stream");
      expect(s?.aborted).toBe("DeadlineExceeded");
      // In flight at most: the stream window (64 KiB), the client's read buffer, the provider's stream buffer and one
      // 16 KiB batch — a few hundred 1 KiB replies. Without backpressure the handler would produce without end.
      expect(s?.produced).toBeLessThan(400);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * KiB);
      // The trailers would wait behind data the client never takes: the provider resets the stream instead.
      await closed;
      expect(stream.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
      await until(() => count(metrics, "GreetStream", "timeout") === 1, "the metrics to count it once");
    } finally {
      session.close();
    }
  });

  it("a client that floods a client stream whose handler does not read is held; the call ends at its deadline", async () => {
    const session = await connectH2(provider.url);
    const rssBefore = process.memoryUsage().rss;
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/fixture.v1.GreeterService/GreetClientStream",
        ...GRPC,
        "grpc-timeout": "1S",
        "x-case": "never-reads-flood",
      });
      stream.on("error", () => {});
      let status: string | undefined;
      stream.on("response", (h) => {
        status = String(h["grpc-status"]);
      });
      stream.resume();
      const closed = new Promise<void>((resolve) => stream.once("close", resolve));
      const payload = "y".repeat(KiB);
      const state = flood(stream, (i) => frame(`${i}:${payload}`));
      await closed;
      // Trailers-only DEADLINE_EXCEEDED; the upload is then stopped with RST_STREAM(NO_ERROR).
      expect(status).toBe("4");
      expect(seen.get("never-reads-flood")?.aborted).toBe("DeadlineExceeded");
      // What the provider let in: its 32-message queue, the stream's read buffer and the flow-control window — well
      // under a MiB, however fast the client writes.
      expect(state.flushed).toBeLessThan(1024 * KiB);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * KiB);
      await until(() => count(metrics, "GreetClientStream", "timeout") === 1, "the metrics to count it once");
    } finally {
      session.close();
    }
  });

  it.each([
    ["identity", (b: Buffer) => b],
    ["gzip", (b: Buffer) => grpcFrame(gzipSync(b.subarray(5)), { flags: 1 })],
  ])("a slow reader of a flooded client stream (%s) gets every message, in order", async (encoding, pack) => {
    const session = await connectH2(provider.url);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/fixture.v1.GreeterService/GreetClientStream",
        ...GRPC,
        ...(encoding === "gzip" ? { "grpc-encoding": "gzip" } : {}),
        "x-case": `slow-${encoding}`,
      });
      stream.on("error", () => {});
      const body: Buffer[] = [];
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("data", (c: Buffer) => body.push(c));
      stream.on("trailers", (t) => {
        trailers = t;
      });
      const closed = new Promise<void>((resolve) => stream.once("close", resolve));
      const n = 2000;
      const payload = "z".repeat(KiB);
      flood(stream, (i) => pack(frame(`${i}:${payload}`)), n);
      await closed;
      expect(trailers["grpc-status"]).toBe("0");
      const [reply] = grpcMessages(Buffer.concat(body));
      expect(reply && fromBinary(GreetResponseSchema, reply).greeting).toBe(`${n} messages, sum ${(n * (n - 1)) / 2}`);
    } finally {
      session.close();
    }
  });

  it("the session serves on after all of it", async () => {
    const session = await connectH2(provider.url);
    try {
      const r = await h2Request(session, {
        path: "/fixture.v1.GreeterService/GreetClientStream",
        headers: { ...GRPC, "x-case": "after" },
        body: [frame("1:a"), frame("2:b")],
      });
      expect(grpcStatus(r)).toBe(0);
      const [reply] = grpcMessages(r.body);
      expect(reply && fromBinary(GreetResponseSchema, reply).greeting).toBe("2 messages, sum 3");
    } finally {
      session.close();
    }
  });
});
