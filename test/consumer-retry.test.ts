import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError, type ConsumerOptions, createConsumer, type ReferenceOptions } from "@dubbo-mesh/consumer";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GreeterService, GreetResponseSchema } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_NO_ERROR, NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** Always the longest backoff, so waits are predictable: 25, 50, 100, 200 ... 1000 ms. */
const maxBackoff = { random: () => 1 };

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A consumer whose interceptor counts attempts (interceptors run once per attempt). */
function countingConsumer(options: ConsumerOptions = {}) {
  const attempts: string[] = [];
  const count: Interceptor = (next) => (req) => {
    attempts.push(req.header.get("grpc-timeout") ?? req.header.get("tri-service-timeout") ?? "");
    return next(req);
  };
  const consumer = createConsumer({ backoff: maxBackoff, interceptors: [count], ...options });
  return { consumer, attempts };
}

/** One stream a raw server received: which connection, which stream, and its headers. */
interface Received {
  session: number;
  id: number;
  headers: http2.IncomingHttpHeaders;
}

interface RawServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A bare node:http2 server: `onStream` decides what each stream gets (after its request body has arrived), so tests
 * can refuse streams, send GOAWAY or drop the connection exactly where they mean to.
 */
async function startRawServer(onStream: (stream: http2.ServerHttp2Stream, r: Received) => void): Promise<RawServer> {
  const server = http2.createServer();
  const received: Received[] = [];
  const sessions = new Map<http2.Http2Session, number>();
  server.on("session", (s) => {
    sessions.set(s, sessions.size + 1);
    s.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const r = { session: sessions.get(stream.session as http2.Http2Session) ?? 0, id: stream.id, headers };
    received.push(r);
    stream.on("data", () => {});
    stream.on("end", () => onStream(stream, r));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sessions.keys()) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers a gRPC Greet with `greeting` (one length-prefixed message, then grpc-status 0). */
function grpcReply(stream: http2.ServerHttp2Stream, greeting: string): void {
  const message = toBinary(GreetResponseSchema, create(GreetResponseSchema, { greeting }));
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(frame);
}

/** `200m` -> 200, `1S` -> 1000: a grpc-timeout header in ms. */
function grpcTimeoutMs(value: string | undefined): number {
  const m = /^(\d+)([HMSmun])$/.exec(value ?? "");
  if (!m) throw new Error(`bad grpc-timeout ${value}`);
  const unit = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[m[2] as "H"];
  return Number(m[1]) * unit;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("retry: connection refused before any stream", () => {
  it("a provider that starts listening ~100 ms late is reached by a retry", async () => {
    const port = await freePort();
    let provider: TestProvider | undefined;
    const late = new Promise<void>((resolve) =>
      setTimeout(async () => {
        provider = await startContractProvider({ port });
        resolve();
      }, 100),
    );
    cleanups.push(async () => {
      await late;
      await provider?.close();
    });
    const { consumer, attempts } = countingConsumer({ retries: 10 });
    cleanups.push(() => consumer.close());
    const res = await consumer
      .reference(GreeterService, { url: `http://127.0.0.1:${port}`, timeout: 5000 })
      .greet({ name: "late" });
    expect(res.greeting).toBe("hello, late");
    expect(attempts.length).toBeGreaterThan(1);
  });

  it("with retries 0 -> UNAVAILABLE after one attempt", async () => {
    const port = await freePort();
    const { consumer, attempts } = countingConsumer({ retries: 0 });
    cleanups.push(() => consumer.close());
    const e = await failure(consumer.reference(GreeterService, { url: `127.0.0.1:${port}` }).greet({ name: "x" }));
    expect(e.code).toBe(Code.Unavailable);
    expect(attempts).toHaveLength(1);
  });
});

describe("retry: streams the provider refused", () => {
  it("RST_STREAM(REFUSED_STREAM) on the first stream -> success after one retry", async () => {
    const server = await startRawServer((stream, r) => {
      if (server.received.indexOf(r) === 0) stream.close(NGHTTP2_REFUSED_STREAM);
      else grpcReply(stream, "second time lucky");
    });
    cleanups.push(() => server.close());
    const { consumer, attempts } = countingConsumer();
    cleanups.push(() => consumer.close());
    const res = await consumer.reference(GreeterService, { url: server.url }).greet({ name: "x" });
    expect(res.greeting).toBe("second time lucky");
    expect(attempts).toHaveLength(2);
    expect(server.received).toHaveLength(2);
  });

  it("REFUSED_STREAM with no retries left surfaces as UNAVAILABLE (connect reports INTERNAL)", async () => {
    const server = await startRawServer((stream) => stream.close(NGHTTP2_REFUSED_STREAM));
    cleanups.push(() => server.close());
    const { consumer } = countingConsumer({ retries: 0 });
    cleanups.push(() => consumer.close());
    const e = await failure(consumer.reference(GreeterService, { url: server.url }).greet({ name: "x" }));
    expect(e.code).toBe(Code.Unavailable);
    expect(e.rawMessage).toMatch(/REFUSED_STREAM/);
  });

  it.each([
    ["graceful GOAWAY (NO_ERROR)", NGHTTP2_NO_ERROR],
    ["GOAWAY with an error code", NGHTTP2_INTERNAL_ERROR],
  ])("%s whose last-stream-id is below ours -> retried on a new connection", async (_label, code) => {
    // Connection 1: stream 1 is answered, stream 3 gets GOAWAY(last-stream-id 1). Connection 2 answers.
    const server = await startRawServer((stream, r) => {
      if (r.session === 1 && r.id === 3) stream.session?.goaway(code, 1);
      else grpcReply(stream, `conn ${r.session} stream ${r.id}`);
    });
    cleanups.push(() => server.close());
    const { consumer, attempts } = countingConsumer();
    cleanups.push(() => consumer.close());
    const greeter = consumer.reference(GreeterService, { url: server.url });
    expect((await greeter.greet({ name: "a" })).greeting).toBe("conn 1 stream 1");
    expect((await greeter.greet({ name: "b" })).greeting).toBe("conn 2 stream 1");
    expect(attempts).toHaveLength(3);
  });
});

describe("retry: a call that may have reached the handler", () => {
  /** A server whose "handler" (stream end) counts calls and drops the connection on the first `drops` of them. */
  async function droppingServer(drops: number) {
    let handled = 0;
    const server = await startRawServer((stream) => {
      handled++;
      if (handled <= drops) stream.session?.destroy();
      else grpcReply(stream, `handled ${handled}`);
    });
    cleanups.push(() => server.close());
    return { url: server.url, handled: () => handled };
  }

  it("connection lost after the request was sent, non-idempotent -> not retried, UNAVAILABLE", async () => {
    const server = await droppingServer(1);
    const { consumer, attempts } = countingConsumer();
    cleanups.push(() => consumer.close());
    const e = await failure(consumer.reference(GreeterService, { url: server.url }).greet({ name: "x" }));
    expect(e.code).toBe(Code.Unavailable); // connect says CANCELED; no one cancelled
    expect(server.handled()).toBe(1);
    expect(attempts).toHaveLength(1);
  });

  it.each<[string, ReferenceOptions["idempotent"]]>([
    ["idempotent: true", true],
    ['idempotent: ["Greet"]', ["Greet"]],
  ])("the same with %s -> retried", async (_label, idempotent) => {
    const server = await droppingServer(1);
    const { consumer, attempts } = countingConsumer();
    cleanups.push(() => consumer.close());
    const res = await consumer.reference(GreeterService, { url: server.url, idempotent }).greet({ name: "x" });
    expect(res.greeting).toBe("handled 2");
    expect(attempts).toHaveLength(2);
  });

  it("Triple HTTP/1.1: the socket closed after the request ('socket hang up') -> UNAVAILABLE, retried if idempotent", async () => {
    let handled = 0;
    const server = http.createServer((req, res) => {
      handled++;
      req.resume();
      req.on("end", () => {
        if (handled === 1) req.socket.destroy();
        else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ greeting: "again" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const { consumer } = countingConsumer();
    cleanups.push(() => consumer.close());
    const e = await failure(consumer.reference(GreeterService, { url, protocol: "triple", json: true }).greet({}));
    expect(e.code).toBe(Code.Unavailable); // connect says ABORTED
    expect(handled).toBe(1);
    handled = 0;
    const ref: ReferenceOptions = { url, protocol: "triple", json: true, idempotent: true };
    expect((await consumer.reference(GreeterService, ref).greet({})).greeting).toBe("again");
    expect(handled).toBe(2);
  });

  it("an UNAVAILABLE status from the handler: retried only for an idempotent method", async () => {
    let handled = 0;
    const counter: Interceptor = (next) => (req) => {
      handled++;
      return next(req);
    };
    const provider = await startContractProvider({ interceptors: [counter] });
    cleanups.push(() => provider.close());
    const { consumer } = countingConsumer();
    cleanups.push(() => consumer.close());
    const down = { name: "error:14:down for maintenance" };
    const once = await failure(consumer.reference(GreeterService, { url: provider.url }).greet(down));
    expect(once.code).toBe(Code.Unavailable);
    expect(handled).toBe(1);
    handled = 0;
    const thrice = await failure(
      consumer.reference(GreeterService, { url: provider.url, idempotent: true }).greet(down),
    );
    expect(thrice.code).toBe(Code.Unavailable);
    expect(thrice.rawMessage).toBe("down for maintenance");
    expect(handled).toBe(3); // retries 2 = three attempts
  });
});

describe("retry: the deadline bounds the retries", () => {
  it("nothing listens, timeout 300 ms, retries 50 -> DEADLINE_EXCEEDED at the deadline, not after 50 backoffs", async () => {
    const port = await freePort();
    const { consumer, attempts } = countingConsumer({ retries: 50 });
    cleanups.push(() => consumer.close());
    const started = Date.now();
    const e = await failure(
      consumer.reference(GreeterService, { url: `127.0.0.1:${port}`, timeout: 300 }).greet({ name: "x" }),
    );
    const elapsed = Date.now() - started;
    expect(e.code).toBe(Code.DeadlineExceeded);
    expect(e.rawMessage).toMatch(/ECONNREFUSED/); // the last attempt's failure is in the message
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(attempts.length).toBeGreaterThan(2);
    expect(attempts.length).toBeLessThan(10);
  });

  it("each attempt's grpc-timeout is what is left of the deadline", async () => {
    const server = await startRawServer((stream) => stream.close(NGHTTP2_REFUSED_STREAM));
    cleanups.push(() => server.close());
    const { consumer } = countingConsumer({ retries: 50 });
    cleanups.push(() => consumer.close());
    const e = await failure(consumer.reference(GreeterService, { url: server.url, timeout: 300 }).greet({ name: "x" }));
    expect(e.code).toBe(Code.DeadlineExceeded);
    const timeouts = server.received.map((r) => grpcTimeoutMs(r.headers["grpc-timeout"] as string));
    expect(timeouts.length).toBeGreaterThan(2);
    expect(timeouts[0]).toBeLessThanOrEqual(300);
    expect(timeouts[0]).toBeGreaterThan(250);
    const later = timeouts.at(-1) ?? Number.NaN;
    expect(later).toBeLessThan(timeouts[0] ?? 0);
    for (let i = 1; i < timeouts.length; i++) expect(timeouts[i]).toBeLessThan(timeouts[i - 1] ?? 0);
  });

  it("Triple over HTTP/2: tri-service-timeout shrinks the same way", async () => {
    const server = await startRawServer((stream) => stream.close(NGHTTP2_REFUSED_STREAM));
    cleanups.push(() => server.close());
    const { consumer } = countingConsumer({ retries: 50 });
    cleanups.push(() => consumer.close());
    const ref: ReferenceOptions = { url: server.url, timeout: 300, protocol: "triple", httpVersion: "2" };
    const e = await failure(consumer.reference(GreeterService, ref).greet({ name: "x" }));
    expect(e.code).toBe(Code.DeadlineExceeded);
    const timeouts = server.received.map((r) => Number(r.headers["tri-service-timeout"]));
    expect(timeouts.length).toBeGreaterThan(2);
    expect(timeouts[0]).toBeLessThanOrEqual(300); // what is left of the one deadline when the attempt starts
    expect(timeouts[0]).toBeGreaterThan(250);
    expect(timeouts.at(-1)).toBeLessThan(timeouts[0] ?? 0);
  });

  it("a caller's abort during the wait ends the call with CANCELED", async () => {
    const port = await freePort();
    const { consumer } = countingConsumer({ retries: 50, backoff: { random: () => 1, baseMs: 5000, capMs: 5000 } });
    cleanups.push(() => consumer.close());
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    const e = await failure(
      consumer
        .reference(GreeterService, { url: `127.0.0.1:${port}`, timeout: 0 })
        .greet({ name: "x" }, { signal: abort.signal }),
    );
    expect(e.code).toBe(Code.Canceled);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("streams are not retried", () => {
  it("a server stream refused once fails (UNAVAILABLE or INTERNAL as connect reports it) after one attempt", async () => {
    const server = await startRawServer((stream) => stream.close(NGHTTP2_REFUSED_STREAM));
    cleanups.push(() => server.close());
    const { consumer, attempts } = countingConsumer();
    cleanups.push(() => consumer.close());
    const e = await failure(
      (async () => {
        for await (const _ of consumer.reference(GreeterService, { url: server.url }).greetStream({ name: "x" })) {
          /* drain */
        }
      })(),
    );
    expect([Code.Unavailable, Code.Internal]).toContain(e.code);
    expect(attempts).toHaveLength(1);
    expect(server.received).toHaveLength(1);
  });
});

afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});
