import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService, type GreetRequest, GreetRequestSchema, GreetResponseSchema } from "./support/greeter-proto.js";
import {
  connectH2,
  curl,
  grpcFrame,
  grpcMessage,
  grpcMessages,
  grpcStatus,
  h2Request,
  tripleError,
} from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

// Malformed requests, sent byte by byte over a raw node:http2 session (and curl --http1.1 for Triple), must each get
// a precise error status — and leave the provider, and the very session they came on, serving everything else.

const GREET = "/fixture.v1.GreeterService/Greet";
const GREET_STREAM = "/fixture.v1.GreeterService/GreetStream";
/** The call kinds whose request is one message; connect names the kind in its errors. */
const SINGLE_REQUEST = [
  { kind: "unary", path: GREET },
  { kind: "server-streaming", path: GREET_STREAM },
] as const;
const CLIENT_STREAM = "/fixture.v1.GreeterService/GreetClientStream";
const GRPC = { "content-type": "application/grpc", te: "trailers" };
const OVER_LIMIT = 5 * 1024 * 1024; // the provider's default limit is 4 MiB, as gRPC's

function greetRequest(name: string): Uint8Array {
  return toBinary(GreetRequestSchema, create(GreetRequestSchema, { name }));
}

/** How each client-streaming handler ended, to see that a reset call does not leave its handler hanging. */
const clientStreamEnds: string[] = [];

/** The contract greeter, recording the end of each client-streaming handler. */
function observedGreeter() {
  const base = contractGreeter();
  return {
    ...base,
    async greetClientStream(reqs: AsyncIterable<GreetRequest>, ctx: HandlerContext) {
      try {
        const res = await base.greetClientStream(reqs, ctx);
        clientStreamEnds.push("returned");
        return res;
      } catch (e) {
        clientStreamEnds.push(`threw: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    },
  };
}

let provider: TestProvider;
let session: http2.ClientHttp2Session | undefined;

function h2(): http2.ClientHttp2Session {
  if (!session) throw new Error("no HTTP/2 session");
  return session;
}

beforeAll(async () => {
  provider = await startContractProvider({}, (p) => p.service(GreeterService, observedGreeter()));
  // Node counts a request body queued for sending against the client session's memory budget (10 MB by default), and
  // a session over budget resets its own streams with ENHANCE_YOUR_CALM. These tests send 5 MiB bodies on purpose.
  session = await connectH2(provider.url, { maxSessionMemory: 64 });
});

afterAll(async () => {
  session?.close();
  await provider?.close();
});

describe("bad input to the provider", () => {
  afterEach(() => {
    // No bad input may cost the caller its connection: every case runs on the one session opened in beforeAll.
    expect(session?.closed).toBe(false);
    expect(session?.destroyed).toBe(false);
  });

  // Observed codes, and why they are right:
  // - truncated message: INTERNAL, as grpc-java ("Encountered end-of-stream mid-frame") and grpc-go answer; the gRPC
  //   status-code table has no row for a request that ends mid-message. The message says how far it got.
  // - over the size limit: RESOURCE_EXHAUSTED, as the gRPC table says ("Sent or received message was larger than
  //   configured limit"), answered as soon as the prefix declares it, without reading the body; the stream is then
  //   reset with NO_ERROR so the client stops uploading (RFC 9113 §8.1) instead of stalling on flow control.
  // - bytes that are not a GreetRequest: INTERNAL, as grpc-java, grpc-go and grpc-js answer a request they cannot
  //   parse ("error unmarshalling request").
  // - compressed flag without grpc-encoding: INTERNAL, as the gRPC spec and grpc-go do (no codec to decompress with).
  // - a compressed message that does not inflate: INTERNAL, as the gRPC status-code table says ("Could not
  //   decompress but compression algorithm supported").
  // - a compressed message that inflates past the limit: RESOURCE_EXHAUSTED, checked while inflating.
  // - no message or two on a one-message call: UNIMPLEMENTED, with connect's words (the gRPC spec names no code).
  // - unknown path: UNIMPLEMENTED as a trailers-only response.
  // - a content type that is not application/grpc*: HTTP 415, as the gRPC over HTTP/2 spec says.
  // Each case runs with `content-type: application/grpc` alone and again with `grpc-encoding: gzip` (messages with
  // flag 0 stay uncompressed, as gRPC allows), on a unary and on a server-streaming method (both read exactly one
  // request message): all of them run on the provider's gRPC engine, and must answer alike.
  const grpcCases: {
    case: string;
    encodings: ("identity" | "gzip")[];
    body: Buffer;
    code: number;
    message: RegExp | ((kind: string) => RegExp);
  }[] = [
    {
      case: "length prefix promises 100 bytes, 10 come, then END_STREAM",
      encodings: ["identity", "gzip"],
      body: grpcFrame(Buffer.alloc(10, 1), { length: 100 }),
      code: 13,
      message: /incomplete envelope: the stream ended after 10 of 100 bytes/,
    },
    {
      case: "no message at all (END_STREAM right after the headers)",
      encodings: ["identity", "gzip"],
      body: Buffer.alloc(0),
      code: 12,
      message: (kind) => new RegExp(`missing input message for ${kind} method`),
    },
    {
      case: "two messages on a unary call",
      encodings: ["identity", "gzip"],
      body: Buffer.concat([grpcFrame(greetRequest("a")), grpcFrame(greetRequest("b"))]),
      code: 12,
      message: (kind) => new RegExp(`received extra input message for ${kind} method`),
    },
    {
      case: "a 5 MiB message (limit 4 MiB)",
      encodings: ["identity", "gzip"],
      body: grpcFrame(Buffer.alloc(OVER_LIMIT, 0x41)),
      code: 8,
      message: /larger than configured readMaxBytes 4194304/,
    },
    {
      case: "bytes that are not protobuf (0xff 0xff 0xff)",
      encodings: ["identity", "gzip"],
      body: grpcFrame(Buffer.from([0xff, 0xff, 0xff])),
      code: 13,
      message: /premature EOF/,
    },
    {
      case: "compressed flag set, no grpc-encoding header",
      encodings: ["identity"],
      body: grpcFrame(greetRequest("x"), { flags: 1 }),
      code: 13,
      message: /compressed/,
    },
    {
      case: "compressed flag, bytes that are not gzip",
      encodings: ["gzip"],
      body: grpcFrame(Buffer.from([1, 2, 3]), { flags: 1 }),
      code: 13,
      message: /decompression failed/,
    },
    {
      case: "a compressed message that inflates to 5 MiB",
      encodings: ["gzip"],
      body: grpcFrame(gzipSync(Buffer.alloc(OVER_LIMIT)), { flags: 1 }),
      code: 8,
      message: /larger than configured readMaxBytes 4194304 after decompression/,
    },
  ];
  it.each(
    grpcCases.flatMap((c) =>
      c.encodings.flatMap((encoding) => SINGLE_REQUEST.map((method) => ({ ...c, encoding, ...method }))),
    ),
  )(
    "gRPC $kind (grpc-encoding $encoding): $case -> grpc-status $code",
    async ({ body, code, message, encoding, kind, path }) => {
      const headers = encoding === "identity" ? GRPC : { ...GRPC, "grpc-encoding": encoding };
      const r = await h2Request(h2(), { path, headers, body });
      expect(r.status).toBe(200);
      expect(grpcStatus(r)).toBe(code);
      expect(grpcMessage(r)).toMatch(typeof message === "function" ? message(kind) : message);
      expect(grpcMessages(r.body)).toEqual([]);
      expect(r.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    },
  );

  it("gRPC: unknown path -> trailers-only UNIMPLEMENTED", async () => {
    const r = await h2Request(h2(), { path: "/no.Such/Greet", headers: GRPC, body: grpcFrame(greetRequest("x")) });
    expect(r.status).toBe(200);
    expect(r.headers["grpc-status"]).toBe("12"); // in the one HEADERS frame: trailers-only
    expect(grpcMessage(r)).toBe("unknown service no.Such");
    expect(r.body.length).toBe(0);
  });

  it("gRPC: unknown path with a 5 MiB body -> UNIMPLEMENTED, and the upload is stopped", async () => {
    const r = await h2Request(h2(), {
      path: "/fixture.v1.GreeterService/Nope",
      headers: GRPC,
      body: grpcFrame(Buffer.alloc(OVER_LIMIT)),
    });
    expect(grpcStatus(r)).toBe(12);
    expect(r.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
  });

  it("gRPC framing with content-type text/plain -> HTTP 415", async () => {
    const r = await h2Request(h2(), {
      path: GREET,
      headers: { "content-type": "text/plain", te: "trailers" },
      body: grpcFrame(greetRequest("x")),
    });
    expect(r.status).toBe(415);
  });

  // Triple HTTP unary: the same kinds of bad input, over the raw h2 session and over curl --http1.1.
  const tripleCases: {
    case: string;
    headers: Record<string, string>;
    body: Buffer;
    path?: string;
    http: number;
    status: number;
    message: RegExp;
  }[] = [
    {
      case: "invalid JSON",
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"name":'),
      http: 400,
      status: 3,
      message: /^malformed JSON request body of fixture\.v1\.GreeterService\/Greet: /,
    },
    {
      // protobuf's JSON mapping requires UTF-8: 0xff 0xfe would otherwise reach the handler as U+FFFD U+FFFD.
      case: "JSON whose string holds bytes that are not UTF-8",
      headers: { "content-type": "application/json" },
      body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      http: 400,
      status: 3,
      message: /cannot decode message fixture\.v1\.GreetRequest from JSON: invalid UTF-8/,
    },
    {
      case: "the same, as the request of a server-streaming call (answered as Server-Sent Events)",
      headers: { "content-type": "application/json" },
      body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      path: GREET_STREAM,
      http: 400,
      status: 3,
      message: /cannot decode message fixture\.v1\.GreetRequest from JSON: invalid UTF-8/,
    },
    {
      case: "bytes that are not protobuf",
      headers: { "content-type": "application/proto" },
      body: Buffer.from([0xff, 0xff, 0xff]),
      http: 500,
      status: 13,
      message: /parse binary/,
    },
    {
      case: "a 5 MiB body (limit 4 MiB)",
      headers: { "content-type": "application/proto" },
      body: Buffer.alloc(OVER_LIMIT, 0x41),
      http: 429,
      status: 8,
      message: /larger than configured readMaxBytes 4194304/,
    },
    {
      case: "content-encoding gzip on a body that is not gzip",
      headers: { "content-type": "application/proto", "content-encoding": "gzip" },
      body: Buffer.from([1, 2, 3]),
      http: 400,
      status: 3,
      message: /decompression failed/,
    },
    {
      case: "a gzip body that inflates to 5 MiB",
      headers: { "content-type": "application/proto", "content-encoding": "gzip" },
      body: gzipSync(Buffer.alloc(OVER_LIMIT)),
      http: 429,
      status: 8,
      message: /larger than configured readMaxBytes 4194304 after decompression/,
    },
    {
      case: "an unknown method",
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"name":"x"}'),
      path: "/fixture.v1.GreeterService/Nope",
      http: 404,
      status: 12,
      message: /unknown method Nope/,
    },
  ];

  for (const transport of ["raw HTTP/2", "curl --http1.1"] as const) {
    it.each(tripleCases)(`Triple over ${transport}: $case -> HTTP $http, status $status`, async (c) => {
      const path = c.path ?? GREET;
      const r =
        transport === "raw HTTP/2"
          ? await h2Request(h2(), { path, headers: c.headers, body: c.body })
          : await curl(`${provider.url}${path}`, { headers: c.headers, body: c.body });
      expect(r.status).toBe(c.http);
      expect(r.headers["content-type"]).toBe("application/json");
      const error = tripleError(r.body);
      expect(error.status).toBe(c.status);
      expect(error.message).toMatch(c.message);
    });

    it(`Triple over ${transport}: JSON with multi-byte UTF-8 is served as sent`, async () => {
      const headers = { "content-type": "application/json" };
      const body = Buffer.from(JSON.stringify({ name: "Zoë 名前 🙂" }));
      const r =
        transport === "raw HTTP/2"
          ? await h2Request(h2(), { path: GREET, headers, body })
          : await curl(`${provider.url}${GREET}`, { headers, body });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString("utf8"))).toEqual({ greeting: "hello, Zoë 名前 🙂" });
    });

    it(`Triple over ${transport}: content-type text/plain -> HTTP 415`, async () => {
      const headers = { "content-type": "text/plain" };
      const body = Buffer.from('{"name":"x"}');
      const r =
        transport === "raw HTTP/2"
          ? await h2Request(h2(), { path: GREET, headers, body })
          : await curl(`${provider.url}${GREET}`, { headers, body });
      expect(r.status).toBe(415);
    });
  }

  it("a client-streaming call reset mid-frame ends its handler; a slow unary on the same session completes", async () => {
    clientStreamEnds.length = 0;
    const slow = h2Request(h2(), { path: GREET, headers: GRPC, body: grpcFrame(greetRequest("sleep:300")) });
    const stream = h2().request({ ":method": "POST", ":path": CLIENT_STREAM, ...GRPC });
    stream.on("error", () => {});
    const closed = new Promise<void>((resolve) => stream.once("close", resolve));
    // One whole message, then the prefix and part of a second one: the server is mid-frame when the reset comes.
    stream.write(grpcFrame(greetRequest("a")));
    stream.write(grpcFrame(greetRequest("b")).subarray(0, 4));
    await new Promise((r) => setTimeout(r, 50));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await closed;
    expect(stream.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);

    const r = await slow;
    expect(grpcStatus(r)).toBe(0);
    const [message] = grpcMessages(r.body);
    expect(message && fromBinary(GreetResponseSchema, message).greeting).toBe("hello, sleep:300");

    await until(() => clientStreamEnds.length > 0, "the client stream's handler to end", 2000);
    expect(clientStreamEnds).toHaveLength(1);
    expect(clientStreamEnds[0]).toMatch(/^threw: /);
  });

  it("after all of it: normal calls work on a new connection, on the old session and over HTTP/1.1", async () => {
    const fresh = await connectH2(provider.url);
    try {
      for (const s of [fresh, h2()]) {
        const r = await h2Request(s, { path: GREET, headers: GRPC, body: grpcFrame(greetRequest("still here")) });
        expect(r.status).toBe(200);
        expect(grpcStatus(r)).toBe(0);
        const [message] = grpcMessages(r.body);
        expect(message && fromBinary(GreetResponseSchema, message).greeting).toBe("hello, still here");
      }
    } finally {
      fresh.close();
    }
    const triple = await curl(`${provider.url}${GREET}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "still here" }),
    });
    expect(triple.status).toBe(200);
    expect(JSON.parse(triple.body.toString())).toEqual({ greeting: "hello, still here" });
  });
});
