import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { createProvider } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService, GreetRequestSchema } from "./support/greeter-proto.js";
import { grpcFrame } from "./support/raw-http.js";

// Clients that send too slowly, or not at all, on the protocol port: each is dropped once its limit passes (small
// limits here, so the tests wait on the drop itself, never on a fixed sleep) — while streams that are slow on the
// answer side (a long gRPC stream over HTTP/2, a long streaming response over HTTP/1.1) run on untouched.

const HEADERS_TIMEOUT = 300;
const REQUEST_TIMEOUT = 600;

/** Releases the held streams: each GreetStream yields one reply, waits for this, then yields its second. */
let release: () => void = () => {};
const released = new Promise<void>((resolve) => {
  release = resolve;
});

function holdingGreeter(): ServiceImpl<typeof GreeterService> {
  return {
    ...contractGreeter(),
    async *greetStream(req) {
      yield { greeting: `${req.name} #1` };
      await released;
      yield { greeting: `${req.name} #2` };
    },
  };
}

const provider = createProvider({
  port: 0,
  host: "127.0.0.1",
  logger: silentLogger,
  headersTimeout: HEADERS_TIMEOUT,
  requestTimeout: REQUEST_TIMEOUT,
}).service(GreeterService, holdingGreeter());
let port = 0;

beforeAll(async () => {
  port = (await provider.start()).port;
});

afterAll(async () => {
  release();
  await provider.stop({ graceMs: 1000 });
});

/** What a raw TCP client saw before the provider closed its connection. */
interface Dropped {
  readonly received: string;
  /** Bytes the client got to send before the drop. */
  readonly sent: number;
}

/**
 * Opens a raw TCP connection, writes `first` (if any), then one byte of `trickle` (repeated) every 20 ms until the
 * provider closes the connection; resolves with what came back.
 */
function trickle(first: string, trickled: string): Promise<Dropped> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      if (first !== "") socket.write(first);
      sent += first.length;
      if (trickled === "") return;
      timer = setInterval(() => {
        socket.write(trickled[sent % trickled.length] ?? "x");
        sent++;
      }, 20);
    });
    socket.on("data", (d) => {
      received += d.toString("latin1");
    });
    socket.on("error", () => {}); // a reset after the 408 is a drop too; 'close' follows
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ received, sent });
    });
  });
}

function greetRequest(name: string): Buffer {
  return grpcFrame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
}

/** A GreetStream over HTTP/2 gRPC, open once its first reply is in; `done` resolves at its end. */
async function openGrpcStream(): Promise<{ done: Promise<{ status: number; bytes: number }> }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  const stream = session.request({
    ":method": "POST",
    ":path": "/fixture.v1.GreeterService/GreetStream",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.end(greetRequest("h2"));
  let bytes = 0;
  let trailers: http2.IncomingHttpHeaders = {};
  stream.on("trailers", (t) => {
    trailers = t;
  });
  const first = new Promise<void>((resolve) => stream.once("data", () => resolve()));
  stream.on("data", (d: Buffer) => {
    bytes += d.length;
  });
  const done = new Promise<{ status: number; bytes: number }>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(trailers["grpc-status"]), bytes });
    });
  });
  await first;
  return { done };
}

/** A GreetStream over HTTP/1.1 (the Connect protocol's streaming, connect+json), open once its first reply is in. */
async function openHttp1Stream(): Promise<{ done: Promise<string> }> {
  const json = Buffer.from(JSON.stringify({ name: "h1" }));
  const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, json.length]), json]);
  const req = http.request({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/fixture.v1.GreeterService/GreetStream",
    headers: { "content-type": "application/connect+json", "content-length": envelope.length },
    agent: false,
  });
  req.end(envelope);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on("response", resolve);
    req.on("error", reject);
  });
  expect(res.statusCode).toBe(200);
  let body = "";
  const first = new Promise<void>((resolve) => res.once("data", () => resolve()));
  res.on("data", (d: Buffer) => {
    body += d.toString("latin1");
  });
  const done = new Promise<string>((resolve, reject) => {
    res.on("error", reject);
    res.on("end", () => resolve(body));
  });
  await first;
  return { done };
}

describe("slow clients on the protocol port (dubbo.protocol.headers-timeout / request-timeout)", () => {
  it("drops HTTP/1.1 headers trickled a byte at a time with 408, while long streams on both protocols run on", async () => {
    const grpcStream = await openGrpcStream();
    const h1Stream = await openHttp1Stream();

    const dropped = await trickle("POST /fixture.v1.GreeterService/Greet HTTP/1.1\r\nX-Slow: ", "abcdefgh");
    expect(dropped.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);

    // Both streams outlived the limits (their handlers are still parked at the first reply): let them finish.
    release();
    expect(await grpcStream.done).toMatchObject({ status: 0 });
    const h1Body = await h1Stream.done;
    expect(h1Body).toContain("h1 #1");
    expect(h1Body).toContain("h1 #2");
  });

  it("drops an HTTP/1.1 request whose body is trickled past request-timeout", async () => {
    const head =
      "POST /fixture.v1.GreeterService/Greet HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
      "Content-Length: 100000\r\n\r\n";
    const dropped = await trickle(head, '{"name":"');
    expect(dropped.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(dropped.sent).toBeLessThan(100_000);
  });

  it("closes a connection that sends nothing at all", async () => {
    const dropped = await trickle("", "");
    expect(dropped).toEqual({ received: "", sent: 0 });
  });

  it("closes a connection that stops within the HTTP/2 preface (it could still be either protocol)", async () => {
    const dropped = await trickle("PRI * HTTP", "");
    expect(dropped.received).toBe("");
  });

  it("still serves a prompt HTTP/1.1 request on the same port", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/fixture.v1.GreeterService/Greet`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "quick" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: "hello, quick" });
  });
});

describe("HTTP/1.1 limits that do not fit together", () => {
  it("fail createProvider with the Dubbo keys", () => {
    expect(() => createProvider({ headersTimeout: 2000, requestTimeout: 1000 })).toThrow(
      "dubbo.protocol.headers-timeout 2000 / dubbo.protocol.request-timeout 1000: headersTimeout (2000) must not be longer than requestTimeout (1000)",
    );
  });
});
