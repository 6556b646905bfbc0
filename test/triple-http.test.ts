import type * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService, type GreetRequest, GreetRequestSchema, GreetResponseSchema } from "./support/greeter-proto.js";
import { connectH2, curl, h2Request, tripleError } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

// Triple HTTP unary (`POST /<pkg.Service>/<Method>`, application/json | application/proto) against our provider, from
// two independent clients: curl over HTTP/1.1 and node:http2 over h2c. Every case runs on both.

const GREET = "/fixture.v1.GreeterService/Greet";
const JSON_TYPE = { "content-type": "application/json" };
const PROTO_TYPE = { "content-type": "application/proto" };

/** One Triple HTTP exchange, as either client sees it. */
interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  elapsedMs: number;
}

type Post = (path: string, headers: Record<string, string>, body: Uint8Array | string) => Promise<Exchange>;

/** How the handler of a call ended: what the slow-call tests check to see that a deadline really aborted it. */
interface HandlerEnd {
  name: string;
  outcome: "returned" | "aborted";
  reasonCode?: number;
}

const handlerEnds: HandlerEnd[] = [];

/** The contract greeter, recording whether each `sleep:` call returned or was aborted by its signal. */
function observedGreeter() {
  const base = contractGreeter();
  return {
    ...base,
    async greet(req: GreetRequest, ctx: HandlerContext) {
      if (!req.name.startsWith("sleep:")) return base.greet(req, ctx);
      try {
        const res = await base.greet(req, ctx);
        handlerEnds.push({ name: req.name, outcome: "returned" });
        return res;
      } catch (e) {
        const reason = ctx.signal.reason as { code?: number } | undefined;
        handlerEnds.push({ name: req.name, outcome: "aborted", reasonCode: reason?.code });
        throw e;
      }
    },
  };
}

function json(body: Buffer): unknown {
  return JSON.parse(body.toString("utf8"));
}

let provider: TestProvider;
let routed: TestProvider;
let session: http2.ClientHttp2Session | undefined;
let routedSession: http2.ClientHttp2Session | undefined;

beforeAll(async () => {
  provider = await startContractProvider({}, (p) => p.service(GreeterService, observedGreeter()));
  routed = await startContractProvider({}, (p) => {
    p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" });
    p.service(GreeterService, contractGreeter("v2"), { version: "2.0.0" });
    p.service(GreeterService, contractGreeter("blue-v1"), { version: "1.0.0", group: "blue" });
  });
  session = await connectH2(provider.url);
  routedSession = await connectH2(routed.url);
});

afterAll(async () => {
  session?.close();
  routedSession?.close();
  await provider?.close();
  await routed?.close();
});

function viaCurl(target: () => TestProvider): Post {
  return async (path, headers, body) => curl(`${target().url}${path}`, { headers, body });
}

function viaH2(target: () => http2.ClientHttp2Session | undefined): Post {
  return async (path, headers, body) => {
    const s = target();
    if (!s) throw new Error("no HTTP/2 session");
    const r = await h2Request(s, { path, headers, body: typeof body === "string" ? Buffer.from(body) : body });
    return { status: r.status, headers: r.headers, body: r.body, elapsedMs: r.elapsedMs };
  };
}

describe.each([
  { transport: "curl --http1.1", http1: true, post: viaCurl(() => provider), postRouted: viaCurl(() => routed) },
  { transport: "node:http2 (h2c)", http1: false, post: viaH2(() => session), postRouted: viaH2(() => routedSession) },
])("Triple HTTP unary over $transport", ({ http1, post, postRouted }) => {
  beforeEach(() => {
    handlerEnds.length = 0;
  });

  it("application/json unary: 200, JSON content type, greeting, header echo", async () => {
    const r = await post(GREET, { ...JSON_TYPE, "x-echo": "abc" }, JSON.stringify({ name: "world" }));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(json(r.body)).toEqual({ greeting: "hello, world" });
    expect(r.headers["x-echo"]).toBe("abc");
  });

  it("application/proto unary: 200, proto content type, binary greeting", async () => {
    const req = toBinary(GreetRequestSchema, create(GreetRequestSchema, { name: "bytes" }));
    const r = await post(GREET, PROTO_TYPE, req);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/proto");
    expect(fromBinary(GreetResponseSchema, r.body).greeting).toBe("hello, bytes");
  });

  it.each([
    { name: "error:5:no such user", http: 404, status: 5, code: "not_found", message: "no such user" },
    { name: "error:3:bad", http: 400, status: 3, code: "invalid_argument", message: "bad" },
    { name: "error:14:down", http: 503, status: 14, code: "unavailable", message: "down" },
  ])("handler error $name -> HTTP $http with the JSON error body", async ({ name, http, status, code, message }) => {
    const r = await post(GREET, JSON_TYPE, JSON.stringify({ name }));
    expect(r.status).toBe(http);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(tripleError(r.body)).toEqual({ status, code, message });
  });

  it("the same error over application/proto is still a JSON error body", async () => {
    const req = toBinary(GreetRequestSchema, create(GreetRequestSchema, { name: "error:5:no such user" }));
    const r = await post(GREET, PROTO_TYPE, req);
    expect(r.status).toBe(404);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(tripleError(r.body)).toMatchObject({ status: 5, message: "no such user" });
  });

  it("tri-service-timeout: 100 on a 2 s call -> 504 DEADLINE_EXCEEDED, handler aborted", async () => {
    const r = await post(GREET, { ...JSON_TYPE, "tri-service-timeout": "100" }, JSON.stringify({ name: "sleep:2000" }));
    expect(r.status).toBe(504);
    expect(tripleError(r.body)).toMatchObject({ status: 4, code: "deadline_exceeded" });
    // Behaviour, not performance: the answer comes from the deadline, not from the handler finishing its 2 s.
    expect(r.elapsedMs).toBeLessThan(1500);
    await until(() => handlerEnds.length > 0, "the handler to end", 2000);
    expect(handlerEnds).toEqual([{ name: "sleep:2000", outcome: "aborted", reasonCode: 4 }]);
  });

  it("tri-service-timeout longer than the call lets it finish", async () => {
    const r = await post(GREET, { ...JSON_TYPE, "tri-service-timeout": "5000" }, JSON.stringify({ name: "sleep:50" }));
    expect(r.status).toBe(200);
    expect(json(r.body)).toEqual({ greeting: "hello, sleep:50" });
    expect(handlerEnds).toEqual([{ name: "sleep:50", outcome: "returned" }]);
  });

  it("invalid tri-service-timeout -> 400 INVALID_ARGUMENT naming the header", async () => {
    const r = await post(GREET, { ...JSON_TYPE, "tri-service-timeout": "abc" }, JSON.stringify({ name: "x" }));
    expect(r.status).toBe(400);
    const error = tripleError(r.body);
    expect(error.status).toBe(3);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain("tri-service-timeout");
    expect(error.message).toContain("abc");
  });

  it("unknown method -> 404 UNIMPLEMENTED naming the method", async () => {
    const r = await post("/fixture.v1.GreeterService/Nope", JSON_TYPE, JSON.stringify({ name: "x" }));
    expect(r.status).toBe(404);
    expect(tripleError(r.body)).toMatchObject({ status: 12, code: "unimplemented" });
    expect(tripleError(r.body).message).toContain("Nope");
  });

  it("unknown service -> 404 UNIMPLEMENTED naming the service", async () => {
    const r = await post("/no.Such/Greet", PROTO_TYPE, new Uint8Array());
    expect(r.status).toBe(404);
    expect(tripleError(r.body)).toMatchObject({ status: 12, code: "unimplemented" });
    expect(tripleError(r.body).message).toContain("no.Such");
  });

  it("text/plain on a known method -> 415", async () => {
    const r = await post(GREET, { "content-type": "text/plain" }, JSON.stringify({ name: "x" }));
    expect(r.status).toBe(415);
  });

  it("a bidi method over Triple HTTP -> UNIMPLEMENTED (HTTP/1.1: Dubbo's refusal and 505; HTTP/2: use gRPC)", async () => {
    const r = await post("/fixture.v1.GreeterService/GreetBidi", JSON_TYPE, JSON.stringify({ name: "x" }));
    const error = tripleError(r.body);
    expect(error.status).toBe(12);
    expect(r.status).toBe(http1 ? 505 : 404);
    if (http1) expect(error.message).toMatch(/^HTTP1\.x only support unary and server-stream: /);
    expect(error.message).toMatch(/gRPC/);
  });

  it("gzip request body (content-encoding: gzip) is accepted", async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ name: "zipped" })));
    const r = await post(GREET, { ...JSON_TYPE, "content-encoding": "gzip" }, body);
    expect(r.status).toBe(200);
    expect(json(r.body)).toEqual({ greeting: "hello, zipped" });
  });

  it("tri-service-version and tri-service-group select the registration", async () => {
    const greet = async (headers: Record<string, string>) => {
      const r = await postRouted(GREET, { ...JSON_TYPE, ...headers }, JSON.stringify({ name: "x" }));
      return { status: r.status, body: json(r.body) };
    };
    expect(await greet({ "tri-service-version": "1.0.0" })).toEqual({ status: 200, body: { greeting: "v1, x" } });
    expect(await greet({ "tri-service-version": "2.0.0" })).toEqual({ status: 200, body: { greeting: "v2, x" } });
    expect(await greet({ "tri-service-version": "1.0.0", "tri-service-group": "blue" })).toEqual({
      status: 200,
      body: { greeting: "blue-v1, x" },
    });
    // No exact match and no unversioned registration to fall back to: UNIMPLEMENTED, naming what was asked for.
    const missing = await greet({ "tri-service-version": "3.0.0" });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 12 });
    expect((missing.body as { message: string }).message).toContain("3.0.0");
  });
});
