/**
 * Overload on real sockets: a provider with a small `executes` cap under more concurrent slow calls than it takes.
 * Exactly the cap run; the rest are refused at once (before any slow one ends — the slow ones are held by a gate the
 * test opens only afterwards), UNAVAILABLE to grpc-js, 503 + Retry-After over HTTP/1.1, counted in
 * `dubbo_provider_requests_limit_total`; health Check stays SERVING; a refused upload is not read; our consumer
 * retries a refused call on the other provider of a static list; SETTINGS_MAX_CONCURRENT_STREAMS is advertised; in a
 * `dubbo()` application `dubbo.provider.executes` comes from config and the refusal is on the QOS port's metrics.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type BalancerFactory,
  type ConsumerOptions,
  createConsumer,
  type ReferenceOptions,
} from "@dubbo-mesh/consumer";
import { grpc as grpcWire } from "@dubbo-mesh/protocol";
import { createDubboMetrics, type DubboMetrics } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import { dubbo } from "dubbo-mesh";
import { afterAll, describe, expect, it } from "vitest";
import { GREETER_SERVICE, greeterServiceDefinition } from "./peers/protos.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { createGrpcJsHealthClient } from "./support/grpc-js-health-client.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A greeter whose unary calls wait until `open()`; `entered` counts handlers that started, `waitEntered` awaits n. */
function gatedGreeter(tag: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let entered = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const impl: ServiceImpl<typeof GreeterService> = {
    ...contractGreeter(tag),
    async greet(req, _ctx: HandlerContext) {
      entered++;
      for (const w of waiters.filter((w) => entered >= w.n)) w.resolve();
      await gate;
      return { greeting: `${tag}, ${req.name}` };
    },
  };
  return {
    impl,
    open,
    entered: () => entered,
    waitEntered: (n: number) =>
      new Promise<void>((resolve) => (entered >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

async function gatedProvider(tag: string, executes: number, metrics: DubboMetrics) {
  const greeter = gatedGreeter(tag);
  const provider = await startContractProvider({ executes, metrics: metrics.provider }, (p) =>
    p.service(GreeterService, greeter.impl),
  );
  cleanups.push(() => {
    greeter.open();
    return provider.close();
  });
  return { ...greeter, provider };
}

/** A grpc-js greeter client without transparent retries, so each call is one attempt that the test can count. */
function grpcJsGreeter(target: string) {
  const Ctor = grpc.makeGenericClientConstructor(greeterServiceDefinition(), "Greeter");
  const client = new Ctor(target, grpc.credentials.createInsecure(), { "grpc.enable_retries": 0 }) as grpc.Client &
    Record<string, CallableFunction>;
  cleanups.push(() => client.close());
  return (name: string) =>
    new Promise<{ greeting?: string; code: number }>((resolve) => {
      client.Greet({ name }, (err: grpc.ServiceError | null, res: { greeting: string }) =>
        resolve(err ? { code: err.code } : { greeting: res.greeting, code: 0 }),
      );
    });
}

/** Calls of Greet the provider refused for capacity: Dubbo's requests_limit_total. */
function limited(metrics: DubboMetrics): number {
  return metrics.calls("provider", GREETER_SERVICE, "Greet")?.limit ?? 0;
}

function h2Session(p: TestProvider): http2.ClientHttp2Session {
  const session = http2.connect(p.url);
  session.on("error", () => {});
  cleanups.push(() => session.close());
  return session;
}

/**
 * A busy provider (executes=1, one call held in it) first in a static list and a free one after it, with a consumer
 * whose balancer always picks the first endpoint in rotation — the busy one, as pick_first does: a retry that did not
 * avoid the endpoint that refused it would meet it on every attempt. Outlier detection off, so that the busy endpoint
 * stays in rotation however many attempts it refuses. Resolves once both endpoints are in rotation.
 */
async function busyAndFree(consumerOptions: ConsumerOptions = {}, referenceOptions: ReferenceOptions = {}) {
  const busyMetrics = createDubboMetrics({ processMetrics: false });
  const busy = await gatedProvider("busy", 1, busyMetrics);
  const freeMetrics = createDubboMetrics({ processMetrics: false });
  const free = await startContractProvider({ metrics: freeMetrics.provider }, (s) =>
    s.service(GreeterService, contractGreeter("free")),
  );
  cleanups.push(() => free.close());
  const held = grpcJsGreeter(busy.provider.target)("held");
  await busy.waitEntered(1);
  const first: BalancerFactory = () => ({ picker: (ready) => ({ pick: () => ready[0] as (typeof ready)[number] }) });
  const consumer = createConsumer({ balancers: { first }, outlierDetection: false, ...consumerOptions });
  cleanups.push(() => consumer.close());
  const greeter = consumer.reference(GreeterService, {
    url: `tri://${busy.provider.target},${free.target}`,
    loadBalancer: "first",
    timeout: 5000,
    ...referenceOptions,
  });
  const endpoints = () => consumer.endpoints(greeter);
  await until(() => endpoints().length === 2 && endpoints().every((e) => e.inRotation), "both endpoints in rotation");
  return { busy, busyMetrics, free, freeMetrics, held, consumer, greeter, endpoints };
}

describe("overload: dubbo.provider.executes = 4", () => {
  it("runs exactly 4 of 7 slow calls and refuses 3 at once; health stays SERVING; slots come back", async () => {
    const metrics = createDubboMetrics({ processMetrics: false });
    const p = await gatedProvider("p", 4, metrics);
    const greet = grpcJsGreeter(p.provider.target);
    const events: string[] = [];
    let threeRefused!: () => void;
    const refused = new Promise<void>((resolve) => {
      threeRefused = resolve;
    });
    const calls = Array.from({ length: 7 }, (_, i) =>
      greet(`c${i}`).then((r) => {
        events.push(r.code === 0 ? "ok" : `code ${r.code}`);
        if (events.length === 3) threeRefused();
        return r;
      }),
    );
    await p.waitEntered(4);
    // Every refusal arrives while the 4 admitted calls are still held: refused at once, not after them.
    await refused;
    expect(events).toEqual([
      `code ${grpc.status.UNAVAILABLE}`,
      `code ${grpc.status.UNAVAILABLE}`,
      `code ${grpc.status.UNAVAILABLE}`,
    ]);
    expect(limited(metrics)).toBe(3);
    expect(await metrics.render()).toMatch(
      new RegExp(
        `\ndubbo_provider_requests_limit_total\\{[^}]*interface="${GREETER_SERVICE}",method="Greet"[^}]*\\} 3\n`,
      ),
    );

    // A probe is never shed: health Check on its own connection, and on the busy one, while the cap is full.
    const health = createGrpcJsHealthClient(p.provider.target);
    cleanups.push(() => health.close());
    expect(await health.check("")).toBe("SERVING");
    expect(await health.check(GREETER_SERVICE)).toBe("SERVING");
    expect(p.entered()).toBe(4);

    p.open();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.code === 0)).toHaveLength(4);
    expect(events.slice(3)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(p.entered()).toBe(4);
    // The slots are released when the calls close: the next calls are served.
    expect((await greet("after")).greeting).toBe("p, after");
    expect(limited(metrics)).toBe(3);
  });

  it("does not read the body of a refused call, and answers HTTP/1.1 with 503 + Retry-After", async () => {
    const metrics = createDubboMetrics({ processMetrics: false });
    const p = await gatedProvider("p", 1, metrics);
    const greet = grpcJsGreeter(p.provider.target);
    const held = greet("held");
    await p.waitEntered(1);

    // 1 MiB upload to a refused call: the stream is reset with REFUSED_STREAM before the client could send it all
    // (flow control lets at most the 64 KiB initial window out unless the provider reads).
    const session = h2Session(p.provider);
    const stream = session.request({
      ":method": "POST",
      ":path": `/${GREETER_SERVICE}/Greet`,
      "content-type": grpcWire.contentTypeProto,
      te: "trailers",
    });
    stream.on("error", () => {});
    let responded = false;
    stream.on("response", () => {
      responded = true;
    });
    stream.end(Buffer.alloc(1024 * 1024, 1));
    await new Promise((resolve) => stream.once("close", resolve));
    expect(stream.rstCode).toBe(grpcWire.http2Error.refusedStream);
    expect(responded).toBe(false);
    expect(stream.writableFinished).toBe(false);
    // The connection stays usable, and it advertises the per-connection stream limit (default 100).
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100);

    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${p.provider.url}/${GREETER_SERVICE}/Greet`, {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      req.on("response", resolve);
      req.on("error", reject);
      req.end(JSON.stringify({ name: "h1" }));
    });
    res.resume();
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.headers.connection).toBe("close");
    expect(limited(metrics)).toBe(2);

    p.open();
    expect((await held).code).toBe(0);
  });

  it("our consumer retries a refused call on the other provider of a static list (non-idempotent method)", async () => {
    const busyMetrics = createDubboMetrics({ processMetrics: false });
    const busy = await gatedProvider("busy", 1, busyMetrics);
    const free = await startContractProvider({}, (s) => s.service(GreeterService, contractGreeter("free")));
    cleanups.push(() => free.close());
    const held = grpcJsGreeter(busy.provider.target)("held");
    await busy.waitEntered(1);

    const consumer = createConsumer();
    cleanups.push(() => consumer.close());
    const greeter = consumer.reference(GreeterService, {
      url: `tri://${busy.provider.target},${free.target}`,
      timeout: 5000,
    });
    // Both endpoints in rotation: the busy one's health Watch is never shed, so it stays SERVING.
    while (!(consumer.endpoints(greeter).length === 2 && consumer.endpoints(greeter).every((e) => e.inRotation))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // One call at a time: round robin alone would send each retry of a refused attempt to the other endpoint; the
    // next test shows a retry avoids the endpoint that refused whatever the balancer picks.
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await greeter.greet({ name: `n${i}` }));
    expect(answers.map((a) => a.greeting.split(",")[0])).toEqual(Array(6).fill("free"));
    expect(limited(busyMetrics)).toBeGreaterThan(0);
    expect(busy.entered()).toBe(1);

    busy.open();
    expect((await held).code).toBe(0);
  });
});

describe("overload: a retry prefers another endpoint than the ones its call tried (Envoy's previous_hosts)", () => {
  it("retries a call the busy provider refused on the free one, though the balancer always picks the busy one", async () => {
    const { busy, busyMetrics, free, freeMetrics, held, greeter, endpoints } = await busyAndFree();
    const endpoint = (target: string) => endpoints().find((e) => e.address === target);
    // Concurrent calls, each refused once by the busy provider and answered by the free one on its second attempt.
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => greeter.greet({ name: `n${i}` })));
    expect(answers.map((a) => a.greeting)).toEqual(["free, n0", "free, n1", "free, n2", "free, n3"]);
    expect(endpoint(busy.provider.target)?.calls).toBe(4);
    expect(endpoint(free.target)?.calls).toBe(4);
    expect(limited(busyMetrics)).toBe(4);
    expect(freeMetrics.calls("provider", GREETER_SERVICE, "Greet")?.succeed).toBe(4);
    expect(busy.entered()).toBe(1);

    busy.open();
    expect((await held).code).toBe(0);
    // The busy provider free again: the balancer's pick stands (no retry, nothing to avoid).
    expect((await greeter.greet({ name: "after" })).greeting).toBe("busy, after");
  });

  it("over Triple HTTP/1.1 the refusal is a 503 with Retry-After: retried on the free provider too", async () => {
    const { busy, busyMetrics, free, held, greeter, endpoints } = await busyAndFree({}, { protocol: "triple" });
    // Greet is not idempotent: only an attempt the provider did not process may run again.
    const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => greeter.greet({ name: `h${i}` })));
    expect(answers.map((a) => a.greeting)).toEqual(["free, h0", "free, h1", "free, h2"]);
    expect(endpoints().map((e) => [e.address, e.calls])).toEqual([
      [busy.provider.target, 3],
      [free.target, 3],
    ]);
    expect(limited(busyMetrics)).toBe(3);

    busy.open();
    expect((await held).code).toBe(0);
  });
});

describe("overload: one transparent retry of a refused call, as gRPC's (gRFC A6), also with retries: 0", () => {
  it("sends a call the busy provider refused to the free one with no retries configured", async () => {
    const { busy, busyMetrics, held, greeter } = await busyAndFree({ retries: 0 });
    const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => greeter.greet({ name: `t${i}` })));
    expect(answers.map((a) => a.greeting)).toEqual(["free, t0", "free, t1", "free, t2"]);
    expect(limited(busyMetrics)).toBe(3);
    busy.open();
    expect((await held).code).toBe(0);
  });

  it("retries a refusal once only: the second refusal of the one provider is the call's error", async () => {
    const metrics = createDubboMetrics({ processMetrics: false });
    const busy = await gatedProvider("busy", 1, metrics);
    const held = grpcJsGreeter(busy.provider.target)("held");
    await busy.waitEntered(1);
    const consumer = createConsumer({ retries: 0 });
    cleanups.push(() => consumer.close());
    const greeter = consumer.reference(GreeterService, { url: `tri://${busy.provider.target}`, timeout: 5000 });
    await expect(greeter.greet({ name: "refused" })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(limited(metrics)).toBe(2);
    // transparentRetry: false (as grpc-js's grpc.enable_retries 0): one attempt, one refusal.
    const strict = createConsumer({ retries: 0, transparentRetry: false });
    cleanups.push(() => strict.close());
    const once = strict.reference(GreeterService, { url: `tri://${busy.provider.target}`, timeout: 5000 });
    await expect(once.greet({ name: "refused" })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(limited(metrics)).toBe(3);
    expect(() => createConsumer({ transparentRetry: "yes" as unknown as boolean })).toThrow(/transparentRetry/);
    busy.open();
    expect((await held).code).toBe(0);
  });
});

describe("overload in an application: dubbo.provider.executes from config, the refusal on QOS metrics", () => {
  it("refuses the call past executes=1 and shows it as dubbo_provider_requests_limit_total on the QOS port", async () => {
    const gated = gatedGreeter("app");
    const app = dubbo({
      application: { name: "overload-app" },
      config: {
        "dubbo.protocol.port": 0,
        "dubbo.application.qos-port": 0,
        "dubbo.protocol.host": "127.0.0.1",
        "dubbo.provider.executes": 1,
      },
      logger: { info() {}, warn() {}, error() {} },
      handleSignals: false,
    });
    cleanups.push(() => {
      gated.open();
      return app.stop();
    });
    app.service(GreeterService, gated.impl);
    const { protocolPort, qosPort } = await app.start();
    const greet = grpcJsGreeter(`127.0.0.1:${protocolPort}`);
    const held = greet("held");
    await gated.waitEntered(1);
    expect((await greet("refused")).code).toBe(grpc.status.UNAVAILABLE);
    const text = await (await fetch(`http://127.0.0.1:${qosPort}/metrics`)).text();
    const line = text
      .split("\n")
      .find(
        (l) =>
          l.startsWith("dubbo_provider_requests_limit_total{") &&
          l.includes(`interface="${GREETER_SERVICE}"`) &&
          l.includes('method="Greet"'),
      );
    expect(line, text.slice(0, 2000)).toMatch(/ 1$/);
    gated.open();
    expect((await held).code).toBe(0);
  });
});

describe("overload: limits are checked", () => {
  it("refuses a bad executes / max-concurrent-streams naming the option and key", async () => {
    await expect(startContractProvider({ executes: -1 })).rejects.toThrow(
      "executes (dubbo.provider.executes) must be an integer from 0 to 2147483647, got -1",
    );
    await expect(startContractProvider({ maxConcurrentStreams: 0 })).rejects.toThrow(
      "maxConcurrentStreams (dubbo.protocol.triple.max-concurrent-streams) must be an integer from 1 to 2147483647, got 0",
    );
  });
});
