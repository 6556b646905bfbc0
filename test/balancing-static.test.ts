/**
 * Client-side balancing over a static list (`tri://h1:p1,h2:p2,...`) on real sockets: even spread with both built-in
 * balancers, health from our provider and from grpc-js's, a provider without a health service, outlier ejection,
 * a custom balancer, fail-fast when nothing is reachable — and mesh mode's single address still one connection.
 */
import * as net from "node:net";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import {
  type BalancerFactory,
  type Consumer,
  type ConsumerOptions,
  createConsumer,
  type ReferenceOptions,
  type ResolverFactory,
} from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GrpcJsGreeter, startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { freePort } from "./support/haproxy.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { until } from "./support/wait.js";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function consumer(options: ConsumerOptions = {}): Consumer {
  const c = createConsumer(options);
  cleanups.push(() => c.close());
  return c;
}

/** A provider on 127.0.0.1 whose greetings start with `tag` ("p1, x"), so answers say who served them. */
async function tagged(tag: string): Promise<TestProvider> {
  const p = await startContractProvider({}, (s) => s.service(GreeterService, contractGreeter(tag)));
  cleanups.push(() => p.close());
  return p;
}

/** Makes `n` calls, `concurrency` at a time, and counts answers by the tag before the comma. */
async function spread(greeter: Client<typeof GreeterService>, n: number, concurrency = 8) {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const { greeting } = await greeter.greet({ name: "x" });
        const tag = greeting.split(",")[0] ?? "";
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
      }
    }),
  );
  return counts;
}

function expectEven(counts: Map<string, number>, tags: string[], total: number, low = 0.25, high = 0.42): void {
  expect([...counts.keys()].sort()).toEqual([...tags].sort());
  for (const tag of tags) {
    const share = (counts.get(tag) ?? 0) / total;
    expect(share, `${tag}: ${counts.get(tag)} of ${total}`).toBeGreaterThanOrEqual(low);
    expect(share, `${tag}: ${counts.get(tag)} of ${total}`).toBeLessThanOrEqual(high);
  }
}

/** Waits until the client's `n` endpoints are all in rotation (their health Watch said SERVING). */
function allInRotation(c: Consumer, greeter: object, n: number): Promise<void> {
  return until(() => {
    const stats = c.endpoints(greeter);
    return stats.length === n && stats.every((e) => e.inRotation);
  }, `${n} endpoints in rotation`);
}

describe("static list: tri://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3", () => {
  let providers: TestProvider[];
  let url: string;
  beforeAll(async () => {
    providers = await Promise.all(["p1", "p2", "p3"].map(tagged));
    url = `tri://${providers.map((p) => p.target).join(",")}`;
  });

  // round_robin is exact (100 each); least_request follows calls in flight, so whichever provider answers a little
  // faster in this shared process takes a little more (seen: 86 to 128 of 300): it must use all three, none above half.
  it.each([
    ["round_robin", 0.25, 0.42],
    ["least_request", 0.2, 0.5],
  ] as const)("%s spreads 300 calls over the three (each a share of %d to %d)", async (loadBalancer, low, high) => {
    const c = consumer({ loadBalancer });
    const greeter = c.reference(GreeterService, { url, timeout: 5000 });
    // All three in rotation first: while one endpoint's health Watch has not answered yet, the others rightly take
    // its share, and least_request keeps favouring the one that went first (seen: 128 of 300 on one).
    await allInRotation(c, greeter, 3);
    const counts = await spread(greeter, 300);
    console.log(`static ${loadBalancer}:`, Object.fromEntries(counts));
    expectEven(counts, ["p1", "p2", "p3"], 300, low, high);
    const stats = c.endpoints(greeter);
    expect(stats.map((e) => e.address).sort()).toEqual(providers.map((p) => p.target).sort());
    expect(stats.every((e) => e.health === "serving" && e.inRotation && e.inFlight === 0)).toBe(true);
    expect(stats.reduce((sum, e) => sum + e.calls, 0)).toBe(300);
  });

  it("streams are balanced too (each stream is one pick)", async () => {
    const c = consumer();
    const greeter = c.reference(GreeterService, { url, timeout: 5000 });
    await allInRotation(c, greeter, 3);
    for (let i = 0; i < 6; i++) {
      const replies: string[] = [];
      for await (const r of greeter.greetStream({ name: "s" })) replies.push(r.greeting);
      expect(replies).toHaveLength(3);
    }
    expect(c.endpoints(greeter).map((e) => e.calls)).toEqual([2, 2, 2]);
  });

  it("a custom balancer registered by name on this consumer only", async () => {
    const first: BalancerFactory = () => ({ picker: (ready) => ({ pick: () => ready[0] as (typeof ready)[0] }) });
    const c = consumer({ balancers: { first }, loadBalancer: "first" });
    const counts = await spread(c.reference(GreeterService, { url, timeout: 5000 }), 30);
    expect([...counts.values()]).toEqual([30]);
    expect(() => consumer().reference(GreeterService, { url, loadBalancer: "first" })).toThrow(
      /unknown load balancer "first" \(known: round_robin, least_request\)/,
    );
  });

  it("a custom resolver registered by scheme on this consumer only: its addresses are the endpoints", async () => {
    const asked: string[] = [];
    // Replaces "dns": the name resolves to the three providers, each dialled at its address.
    const three: ResolverFactory = (urls, listener) => {
      asked.push(...urls.map((u) => u.host));
      listener.onAddresses(providers.map((p) => ({ url: new URL(`http://${p.target}`) })));
      return { requestResolution() {}, close() {} };
    };
    const c = consumer({ resolvers: { dns: three } });
    const greeter = c.reference(GreeterService, { url: "dns:///greeter.registry.test:50052", timeout: 5000 });
    await allInRotation(c, greeter, 3);
    expectEven(await spread(greeter, 90), ["p1", "p2", "p3"], 90);
    expect(asked).toEqual(["greeter.registry.test:50052"]);
  });
});

describe("health: endpoints leave and rejoin the rotation", () => {
  it("grpc-js's health service: NOT_SERVING takes its endpoint out, SERVING brings it back", async () => {
    const peer: GrpcJsGreeter = await startGrpcJsGreeter();
    cleanups.push(() => peer.close());
    const ours = await tagged("ours");
    const c = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://${peer.target},${ours.target}`, timeout: 5000 });
    await allInRotation(c, greeter, 2);
    const before = await spread(greeter, 40, 1);
    expect(before.get("ours")).toBe(20); // grpc-js answers "hello, x": 20 each
    peer.setServingStatus("fixture.v1.GreeterService", "NOT_SERVING");
    await until(() => c.endpoints(greeter).some((e) => e.health === "not_serving"), "NOT_SERVING");
    const out = await spread(greeter, 30, 4);
    expect(Object.fromEntries(out)).toEqual({ ours: 30 });
    peer.setServingStatus("fixture.v1.GreeterService", "SERVING");
    await until(() => c.endpoints(greeter).every((e) => e.inRotation), "SERVING again");
    expect((await spread(greeter, 40, 1)).get("ours")).toBe(20);
    expect(peer.healthWatchers("fixture.v1.GreeterService")).toBe(1); // one Watch stream per endpoint
    c.close();
    await until(() => peer.healthWatchers("fixture.v1.GreeterService") === 0, "the Watch to end on close()");
  });

  it("a provider without a health service (UNIMPLEMENTED) counts as serving", async () => {
    const bare = await startContractProvider({ health: false }, (s) =>
      s.service(GreeterService, contractGreeter("bare")),
    );
    cleanups.push(() => bare.close());
    const ours = await tagged("ours");
    const c = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://${bare.target},${ours.target}`, timeout: 5000 });
    await allInRotation(c, greeter, 2);
    expect(Object.fromEntries(await spread(greeter, 40, 1))).toEqual({ bare: 20, ours: 20 });
  });

  it("outlier ejection: 5 UNAVAILABLE in a row eject a provider; with retries no call fails", async () => {
    const broken = await startContractProvider({}, (s) =>
      s.service(GreeterService, {
        greet() {
          throw new ConnectError("broken", Code.Unavailable);
        },
      }),
    );
    cleanups.push(() => broken.close());
    const ours = await tagged("ours");
    const c = consumer({ outlierDetection: { baseEjectionTimeMs: 60_000 } });
    const ref: ReferenceOptions = { url: `tri://${broken.target},${ours.target}`, idempotent: true, timeout: 5000 };
    const greeter = c.reference(GreeterService, ref);
    const counts = await spread(greeter, 60, 1);
    expect(Object.fromEntries(counts)).toEqual({ ours: 60 }); // every call that hit `broken` was retried on `ours`
    const stats = c.endpoints(greeter).find((e) => e.address === broken.target);
    expect(stats).toMatchObject({ ejected: true, ejections: 1, failures: 5, inRotation: false, health: "serving" });
  });
});

describe("fail fast", () => {
  it("nothing reachable -> UNAVAILABLE naming the target and the endpoints' states, long before the deadline", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const c = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://127.0.0.1:${a},127.0.0.1:${b}`, timeout: 5000 });
    const started = Date.now();
    const e = await greeter.greet({ name: "x" }).then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    const elapsed = Date.now() - started;
    console.log(`fail fast (unreachable): ${elapsed} ms: ${e?.rawMessage}`);
    expect(e?.code).toBe(Code.Unavailable);
    expect(e?.rawMessage).toMatch(
      new RegExp(`^no healthy endpoint for 127.0.0.1:${a},127.0.0.1:${b} \\(2 known: 2 unreachable; .*ECONNREFUSED`),
    );
    expect(elapsed).toBeLessThan(1000);
  });
});

describe("mesh mode's single address", () => {
  it("one connection for all calls, no health Watch; one endpoint in the stats", async () => {
    const provider = await tagged("one");
    // A TCP relay in front of the provider counts the connections the consumer makes.
    let connections = 0;
    const relay = net.createServer((socket) => {
      connections++;
      const upstream = net.connect(provider.port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => relay.close(resolve)));
    const port = (relay.address() as net.AddressInfo).port;
    const c = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://127.0.0.1:${port}`, timeout: 5000 });
    expect(Object.fromEntries(await spread(greeter, 200, 32))).toEqual({ one: 200 });
    expect(connections).toBe(1);
    expect(c.endpoints(greeter)).toMatchObject([
      { address: `127.0.0.1:${port}`, authority: `127.0.0.1:${port}`, health: "serving", calls: 200 },
    ]);
  });
});
