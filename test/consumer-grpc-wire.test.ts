/**
 * The consumer's gRPC transport on the wire, against bare node:http2 servers that control every byte: gzip responses
 * (and the decompressed-size limit), flow control when the caller reads slowly, write backpressure on a client
 * stream, cancellation of a bidi call by breaking out of for-await, interceptors on streaming calls.
 */
import * as dgram from "node:dgram";
import * as http2 from "node:http2";
import type * as net from "node:net";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError, createConsumer, type ReferenceOptions } from "@dubbo-mesh/consumer";
import { createDubboMetrics } from "@dubbo-mesh/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { GreeterService, type GreetRequest, GreetResponseSchema } from "./support/greeter-proto.js";
import { grpcFrame } from "./support/raw-http.js";
import { settled, until } from "./support/wait.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare h2c server: `onStream` handles every stream, whose request headers are recorded in `requests`. */
async function rawServer(onStream: (stream: http2.ServerHttp2Stream) => void) {
  const server = http2.createServer();
  const sessions = new Set<http2.Http2Session>();
  const requests: http2.IncomingHttpHeaders[] = [];
  server.on("session", (s) => {
    sessions.add(s);
    s.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    requests.push(headers);
    stream.on("error", () => {});
    onStream(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests };
}

function greeter(url: string, ref: Partial<ReferenceOptions> = {}, interceptors: Interceptor[] = []) {
  const consumer = createConsumer({ interceptors });
  cleanups.push(() => consumer.close());
  return consumer.reference(GreeterService, { url, timeout: 10_000, ...ref });
}

const reply = (greeting: string) => toBinary(GreetResponseSchema, create(GreetResponseSchema, { greeting }));

/** Answers once the request has ended: gRPC headers (plus `extra`), `body`, then grpc-status 0. */
function answer(stream: http2.ServerHttp2Stream, body: Buffer, extra: http2.OutgoingHttpHeaders = {}): void {
  stream.on("data", () => {});
  stream.on("end", () => {
    stream.respond({ ":status": 200, "content-type": "application/grpc", ...extra }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(body);
  });
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

describe("consumer gRPC transport: compression", () => {
  it("a gzip-compressed response message (grpc-encoding: gzip) is inflated; the request offered gzip", async () => {
    const server = await rawServer((s) =>
      answer(s, grpcFrame(gzipSync(reply("hello, zipped")), { flags: 1 }), { "grpc-encoding": "gzip" }),
    );
    expect((await greeter(server.url).greet({ name: "x" })).greeting).toBe("hello, zipped");
    expect(server.requests[0]?.["grpc-accept-encoding"]).toMatch(/gzip/);
  });

  it("a message that inflates past readMaxBytes -> RESOURCE_EXHAUSTED, however small it came", async () => {
    const bomb = gzipSync(reply("x".repeat(200_000)));
    expect(bomb.length).toBeLessThan(2000);
    const server = await rawServer((s) => answer(s, grpcFrame(bomb, { flags: 1 }), { "grpc-encoding": "gzip" }));
    const e = await failure(greeter(server.url, { readMaxBytes: 100_000 }).greet({ name: "x" }));
    expect(e.code).toBe(Code.ResourceExhausted);
    expect(e.rawMessage).toMatch(/readMaxBytes 100000 after decompression/);
  });

  it("a compressed message in an encoding the client did not offer -> INTERNAL", async () => {
    const server = await rawServer((s) => answer(s, grpcFrame(reply("?"), { flags: 1 }), { "grpc-encoding": "br" }));
    const e = await failure(greeter(server.url).greet({ name: "x" }));
    expect(e.code).toBe(Code.Internal);
  });
});

describe("consumer gRPC transport: flow control", () => {
  it("a server stream is read only as fast as the caller iterates: the server is held back, then finishes", async () => {
    const total = 5000;
    let sent = 0;
    let blocked = false;
    const server = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      const frame = grpcFrame(reply("x".repeat(1024)));
      const pump = () => {
        while (sent < total) {
          sent++;
          if (!stream.write(frame)) {
            blocked = true;
            stream.once("drain", () => {
              blocked = false;
              pump();
            });
            return;
          }
        }
        stream.end();
      };
      pump();
    });
    const replies = greeter(server.url).greetStream({ name: "x" })[Symbol.asyncIterator]();
    expect((await replies.next()).done).toBe(false);
    // The caller takes no more: HTTP/2 flow control must stop the server far short of all 5000 (5 MiB).
    const sentWhileIdle = await settled(() => sent, "messages the server sent");
    expect(blocked).toBe(true);
    expect(sentWhileIdle).toBeLessThan(500);
    let got = 1;
    while (!(await replies.next()).done) got++;
    expect(got).toBe(total);
  });

  it("a client stream waits for the stream's write buffer: a producer faster than the server is held back", async () => {
    let received = 0;
    let held: http2.ServerHttp2Stream | undefined;
    const server = await rawServer((stream) => {
      held = stream;
      stream.pause(); // reads nothing until the test resumes it
      stream.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      stream.on("end", () => {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(grpcFrame(reply("done")));
      });
    });
    let produced = 0;
    const total = 4000;
    async function* names(): AsyncIterable<Partial<GreetRequest>> {
      for (; produced < total; ) {
        produced++;
        yield { name: "y".repeat(1024) };
      }
    }
    const call = greeter(server.url).greetClientStream(names());
    const producedWhileBlocked = await settled(() => produced, "messages produced");
    expect(producedWhileBlocked).toBeLessThan(500);
    expect(producedWhileBlocked).toBeGreaterThan(0);
    held?.resume();
    expect((await call).greeting).toBe("done");
    expect(produced).toBe(total);
    expect(received).toBeGreaterThan(total * 1024);
  });
});

describe("consumer gRPC transport: cancellation and interceptors", () => {
  it("breaking out of for-await over a bidi call resets its stream with CANCEL", async () => {
    let rstCode: number | undefined;
    const server = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.once("data", () => {
        for (let i = 0; i < 10; i++) stream.write(grpcFrame(reply("pong")));
      });
      stream.on("close", () => {
        rstCode = stream.rstCode;
      });
    });
    async function* pings(): AsyncIterable<Partial<GreetRequest>> {
      for (let i = 0; i < 100; i++) yield { name: `ping ${i}` };
    }
    let got = 0;
    for await (const r of greeter(server.url).greetBidi(pings())) {
      expect(r.greeting).toBe("pong");
      if (++got === 3) break;
    }
    await until(() => rstCode !== undefined, "the server's stream to close");
    expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
  });

  it.each([
    ["", false],
    [", through the metrics layer too", true],
  ])(
    "a server stream reports its headers (onHeader) before the first reply and its trailers (onTrailer) after the last%s",
    async (_, metered) => {
      const server = await rawServer((stream) => {
        stream.on("data", () => {});
        stream.on("end", () => {
          stream.respond(
            { ":status": 200, "content-type": "application/grpc", "x-h": "head" },
            { waitForTrailers: true },
          );
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-t": "tail" }));
          stream.write(grpcFrame(reply("one")));
          stream.end(grpcFrame(reply("two")));
        });
      });
      const events: string[] = [];
      const consumer = createConsumer(
        metered ? { metrics: createDubboMetrics({ processMetrics: false }).consumer } : {},
      );
      cleanups.push(() => consumer.close());
      const replies = consumer.reference(GreeterService, { url: server.url, timeout: 10_000 }).greetStream(
        { name: "x" },
        {
          onHeader: (h) => events.push(`header ${h.get("x-h")}`),
          onTrailer: (t) => events.push(`trailer ${t.get("x-t")}`),
        },
      );
      for await (const r of replies) events.push(r.greeting);
      expect(events).toEqual(["header head", "one", "two", "trailer tail"]);
    },
  );

  it("the caller's signal cancels a server stream mid-way: CANCELED, and the stream is reset", async () => {
    let rstCode: number | undefined;
    const server = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.write(grpcFrame(reply("first")));
      stream.on("close", () => {
        rstCode = stream.rstCode;
      });
    });
    const abort = new AbortController();
    const e = await failure(
      (async () => {
        for await (const _ of greeter(server.url).greetStream({ name: "x" }, { signal: abort.signal })) abort.abort();
      })(),
    );
    expect(e.code).toBe(Code.Canceled);
    await until(() => rstCode !== undefined, "the server's stream to close");
    expect(rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
  });

  it("interceptors run once per attempt for every call kind, seeing the stream flag", async () => {
    const seen: string[] = [];
    const spy: Interceptor = (next) => (req) => {
      seen.push(`${req.method.name}:${req.stream}`);
      return next(req);
    };
    const server = await rawServer((s) => answer(s, grpcFrame(reply("ok"))));
    const g = greeter(server.url, {}, [spy]);
    async function* one(): AsyncIterable<Partial<GreetRequest>> {
      yield { name: "a" };
    }
    expect((await g.greet({ name: "a" })).greeting).toBe("ok");
    for await (const r of g.greetStream({ name: "a" })) expect(r.greeting).toBe("ok");
    expect((await g.greetClientStream(one())).greeting).toBe("ok");
    for await (const r of g.greetBidi(one())) expect(r.greeting).toBe("ok");
    expect(seen).toEqual(["Greet:false", "GreetStream:true", "GreetClientStream:true", "GreetBidi:true"]);
  });
});

describe("consumer gRPC transport: the deadline while connecting", () => {
  it("a connection that cannot be made in time (DNS that never answers) ends at the deadline: DEADLINE_EXCEEDED", async () => {
    // A DNS server on loopback that reads queries and never answers: the lookup would take timeoutMs x tries (60 s).
    const silent = dgram.createSocket("udp4");
    let queries = 0;
    silent.on("message", () => queries++);
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const dns = { servers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 30_000, tries: 2 };
    const consumer = createConsumer({ dns, retries: 0 });
    cleanups.push(() => consumer.close());
    const slow = consumer.reference(GreeterService, { url: "tri://never.answered.test:50052", timeout: 300 });
    const e = await failure(slow.greet({ name: "x" }));
    expect(e.code).toBe(Code.DeadlineExceeded);
    expect(queries).toBeGreaterThan(0);
  });
});
