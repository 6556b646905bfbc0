import * as http from "node:http";
import * as http2 from "node:http2";
import { gunzipSync } from "node:zlib";
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { createDubboMetrics, type RpcOutcome } from "@dubbo-mesh/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GreeterService, type GreetRequest } from "./support/greeter-proto.js";
import { connectH2, curl, h2Request, tripleError } from "./support/raw-http.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

// What the provider's Triple HTTP unary engine does beyond the wire contract of test/triple-http: the same call
// semantics as the gRPC engine (handler signal on every end, metrics once per call with the registration's labels,
// interceptors, a client that goes away, shutdown), gzip answers, and limits checked before the body is read —
// over real HTTP/1.1 sockets (node:http's client and curl).

const GREET = "/fixture.v1.GreeterService/Greet";
const JSON_TYPE = { "content-type": "application/json" };

/** How each handler's signal ended, by request name. */
const aborted = new Map<string, string>();
/** Handlers that started, by request name, with the protocol their context named. */
const started = new Map<string, string>();

function watch(name: string, ctx: HandlerContext): void {
  started.set(name, ctx.protocolName);
  ctx.signal.addEventListener("abort", () => aborted.set(name, Code[ConnectError.from(ctx.signal.reason).code]));
}

const greeter = {
  async greet(req: GreetRequest, ctx: HandlerContext) {
    watch(req.name, ctx);
    if (req.name === "explode") throw new Error("the service's own failure");
    if (req.name === "missing") throw new ConnectError("no such user", Code.NotFound);
    if (req.name.startsWith("wait")) {
      await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    }
    if (req.name === "big") return { greeting: "x".repeat(4096) };
    return { greeting: `hello, ${req.name}` };
  },
};

/** What node:http's client got back. */
interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** POSTs over HTTP/1.1 with node:http's client (a fresh connection each time). */
function post(url: string, headers: Record<string, string>, body: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${GREET}`, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const greet = (url: string, name: string, headers: Record<string, string> = {}) =>
  post(url, { ...JSON_TYPE, ...headers }, JSON.stringify({ name }));

describe("the provider's Triple HTTP unary engine", () => {
  const metrics = createDubboMetrics({ processMetrics: false });
  const seen: (string | null)[] = [];
  const interceptor: Interceptor = (next) => async (req) => {
    seen.push(req.header.get("x-ask"));
    const res = await next(req);
    res.header.set("x-intercepted", req.service.typeName);
    res.trailer.set("x-done", "yes");
    return res;
  };
  let provider: TestProvider;
  let intercepted: TestProvider;
  let limited: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({ metrics: metrics.provider }, (p) => {
      p.service(GreeterService, greeter);
      p.service(GreeterService, greeter, { version: "1.0.0", group: "blue" });
    });
    intercepted = await startContractProvider({ interceptors: [interceptor] }, (p) =>
      p.service(GreeterService, greeter),
    );
    limited = await startContractProvider({ readMaxBytes: 1024 }, (p) => p.service(GreeterService, greeter));
  });
  afterAll(async () => {
    await provider?.close();
    await intercepted?.close();
    await limited?.close();
  });
  beforeEach(() => {
    aborted.clear();
    started.clear();
  });

  const count = (outcome: RpcOutcome, version = "", group = "") =>
    metrics.calls("provider", "fixture.v1.GreeterService", "Greet", version, group)?.[outcome] ?? 0;

  it("a handler's signal aborts when its call ends, success included (CANCELED), and at its deadline", async () => {
    const ok = await greet(provider.url, "fine");
    expect(ok.status).toBe(200);
    await expect.poll(() => aborted.get("fine")).toBe("Canceled");
    const late = await greet(provider.url, "wait-deadline", { "tri-service-timeout": "50" });
    expect(late.status).toBe(504);
    expect(tripleError(late.body)).toMatchObject({ status: Code.DeadlineExceeded, code: "deadline_exceeded" });
    expect(aborted.get("wait-deadline")).toBe("DeadlineExceeded");
  });

  it("records each call once, by outcome, with the version and group of the registration that served it", async () => {
    const before = {
      succeed: count("succeed"),
      business: count("business"),
      codec: count("codec"),
      timeout: count("timeout"),
      blue: count("succeed", "1.0.0", "blue"),
    };
    const failedBefore = metrics.calls("provider", "fixture.v1.GreeterService", "Greet")?.failed ?? 0;
    expect((await greet(provider.url, "one")).status).toBe(200);
    const explode = await greet(provider.url, "explode");
    // The service's own exception: INTERNAL without its message, Dubbo's BIZ_EXCEPTION in tri-exception-code.
    expect(explode.status).toBe(500);
    expect(explode.headers["tri-exception-code"]).toBe("3");
    expect(tripleError(explode.body)).toEqual({ status: Code.Internal, code: "internal", message: "internal error" });
    const missing = await greet(provider.url, "missing");
    expect(missing.status).toBe(404);
    expect(missing.headers["tri-exception-code"]).toBe(String(Code.NotFound));
    expect((await greet(provider.url, "wait-metrics", { "tri-service-timeout": "20" })).status).toBe(504);
    const bad = await post(provider.url, JSON_TYPE, '{"name":');
    expect(bad.status).toBe(400);
    expect(tripleError(bad.body)).toMatchObject({ status: Code.InvalidArgument });
    const blue = await greet(provider.url, "b", { "tri-service-version": "1.0.0", "tri-service-group": "blue" });
    expect(blue.status).toBe(200);
    expect(count("succeed")).toBe(before.succeed + 1);
    // Dubbo counts the service's own exception and NOT_FOUND as business failures, a body that does not decode as a
    // codec failure (its SERIALIZATION_EXCEPTION), INVALID_ARGUMENT as it is.
    expect(count("business")).toBe(before.business + 2);
    expect(count("codec")).toBe(before.codec + 1);
    expect(count("timeout")).toBe(before.timeout + 1);
    expect(count("succeed", "1.0.0", "blue")).toBe(before.blue + 1);
    const after = metrics.calls("provider", "fixture.v1.GreeterService", "Greet");
    // explode, missing, the deadline and the bad body: four failures, nothing left in progress.
    expect(after?.failed).toBe(failedBefore + 4);
    expect(after?.processing).toBe(0);
  });

  it("runs the interceptors: they read the request headers and set response headers and trailers", async () => {
    seen.length = 0;
    const r = await greet(intercepted.url, "i", { "x-ask": "please" });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ greeting: "hello, i" });
    expect(seen).toEqual(["please"]);
    expect(started.get("i")).toBe("triple");
    expect(r.headers["x-intercepted"]).toBe("fixture.v1.GreeterService");
    // Triple HTTP has no trailers: they come as trailer-* headers, as in connect's unary responses.
    expect(r.headers["trailer-x-done"]).toBe("yes");
    expect(r.headers["tri-protocol-version"]).toBe("1.0.0");
  });

  it("a client that goes away mid-call cancels it: the handler's signal aborts (CANCELED)", async () => {
    const req = http.request(`${provider.url}${GREET}`, { method: "POST", headers: JSON_TYPE, agent: false });
    req.on("error", () => {});
    req.end(JSON.stringify({ name: "wait-gone" }));
    await expect.poll(() => started.has("wait-gone")).toBe(true);
    req.destroy();
    await expect.poll(() => aborted.get("wait-gone")).toBe("Canceled");
  });

  it("answers gzip when the client accepts it and the reply is 1 KiB or more (curl --compressed's offer)", async () => {
    const big = await greet(provider.url, "big", { "accept-encoding": "gzip" });
    expect(big.status).toBe(200);
    expect(big.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(big.body).toString())).toEqual({ greeting: "x".repeat(4096) });
    const small = await greet(provider.url, "small", { "accept-encoding": "gzip" });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(small.body.toString())).toEqual({ greeting: "hello, small" });
    // An encoding this side does not have: UNIMPLEMENTED naming the ones it has.
    const unknown = await greet(provider.url, "x", { "content-encoding": "br" });
    expect(unknown.status).toBe(404);
    expect(tripleError(unknown.body)).toMatchObject({
      status: Code.Unimplemented,
      message: 'unknown compression "br": supported encodings are gzip',
    });
  });

  it("refuses a body declared larger than readMaxBytes before reading it (429 RESOURCE_EXHAUSTED)", async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${limited.url}${GREET}`, {
        method: "POST",
        headers: { ...JSON_TYPE, "content-length": "100000" },
        agent: false,
      });
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          req.destroy();
        });
      });
      req.flushHeaders(); // the headers only: the answer comes before any of the body is sent
    });
    expect(reply.status).toBe(429);
    expect(tripleError(reply.body)).toMatchObject({
      status: Code.ResourceExhausted,
      message: "message size 100000 is larger than configured readMaxBytes 1024",
    });
    // A body that grows past the limit without declaring its length (chunked) is refused too.
    const chunked = await curl(`${limited.url}${GREET}`, {
      headers: { ...JSON_TYPE, "transfer-encoding": "chunked" },
      body: JSON.stringify({ name: "y".repeat(2000) }),
    });
    expect(chunked.status).toBe(429);
  });

  it("over HTTP/2, a body declared too large is refused and its upload stopped (RST_STREAM NO_ERROR)", async () => {
    const session = await connectH2(limited.url);
    try {
      // 256 KiB declared and sent: far past the stream's flow-control window, so a server that neither reads it nor
      // stops it leaves the upload stalled (and the stream open) until the client gives up.
      const body = Buffer.alloc(256 * 1024, 0x41);
      const r = await h2Request(session, {
        path: GREET,
        headers: { ...JSON_TYPE, "content-length": String(body.length) },
        body,
        timeoutMs: 5000,
      });
      expect(r.status).toBe(429);
      expect(tripleError(r.body)).toMatchObject({ status: Code.ResourceExhausted });
      expect(r.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
      // The session is still good for the next call.
      const next = await h2Request(session, { path: GREET, headers: JSON_TYPE, body: Buffer.from('{"name":"n"}') });
      expect(next.status).toBe(200);
    } finally {
      session.close();
    }
  });

  it("a call still running when the provider's drain is over is cancelled, its handler aborted", async () => {
    const own = await startContractProvider({}, (p) => p.service(GreeterService, greeter));
    const req = http.request(`${own.url}${GREET}`, { method: "POST", headers: JSON_TYPE, agent: false });
    req.on("error", () => {});
    req.end(JSON.stringify({ name: "wait-shutdown" }));
    await expect.poll(() => started.has("wait-shutdown")).toBe(true);
    await own.close(); // grace 1000 ms, then the call is ended
    await expect.poll(() => aborted.get("wait-shutdown")).toBe("Canceled");
  });
});
