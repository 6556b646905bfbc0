/**
 * `dubbo.protocol.accepts` on real sockets: the port holds at most that many connections at once. One more is closed
 * as it arrives, before the provider reads or sends a byte (no SETTINGS, no GOAWAY) — grpc-js reports UNAVAILABLE —
 * while the connections held keep serving; a connection that closes frees its slot for the next one. Our consumer
 * takes a connection closed before the provider's first byte for a refusal: the call runs again, on another endpoint
 * when there is one, whatever the method. A bad value stops start-up naming the key, in code and in configuration.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { type BalancerFactory, createConsumer } from "@dubbo-mesh/consumer";
import { ConfigError } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import { dubbo } from "dubbo-mesh";
import { afterEach, describe, expect, it } from "vitest";
import { greeterServiceDefinition } from "./peers/protos.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { frameType, RawH2Client } from "./support/h2-raw-client.js";
import { startContractProvider } from "./support/start-provider.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isSettings = (f: { type: number; flags: number }) => f.type === frameType.settings && (f.flags & 1) === 0;

/** A raw HTTP/2 connection; `served` is whether the provider answered its preface with SETTINGS before closing it. */
async function connect(port: number): Promise<{ client: RawH2Client; served: boolean }> {
  const client = await RawH2Client.connect(port);
  cleanups.push(() => client.close());
  return { client, served: (await client.next(isSettings)) !== undefined };
}

/** One Greet with grpc-js on a connection of its own (local subchannel pool), no retries: its status code. */
async function grpcJsGreet(target: string): Promise<number> {
  const Ctor = grpc.makeGenericClientConstructor(greeterServiceDefinition(), "Greeter");
  const client = new Ctor(target, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
    "grpc.enable_retries": 0,
  }) as grpc.Client & Record<string, CallableFunction>;
  try {
    return await new Promise<number>((resolve) => {
      client.Greet({ name: "n" }, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null) =>
        resolve(err ? err.code : grpc.status.OK),
      );
    });
  } finally {
    client.close();
  }
}

describe("dubbo.protocol.accepts = 2", () => {
  it("closes the third connection unserved (grpc-js: UNAVAILABLE); the two held serve; a closed one frees its slot", async () => {
    const p = await startContractProvider({ accepts: 2 });
    cleanups.push(() => p.close());
    const a = await connect(p.port);
    const b = await connect(p.port);
    expect([a.served, b.served]).toEqual([true, true]);

    // The kernel completes the TCP handshake (the listen backlog); the provider closes the socket as it accepts it.
    const third = await connect(p.port);
    expect(third.served).toBe(false);
    await third.client.closed;
    expect(third.client.frames).toEqual([]);
    expect(await grpcJsGreet(p.target)).toBe(grpc.status.UNAVAILABLE);

    // The connections held are untouched: a health Check on one of them is answered.
    a.client.startCall(1, "/grpc.health.v1.Health/Check", Buffer.alloc(0));
    const answer = await a.client.next((f) => f.type === frameType.headers && f.streamId === 1);
    expect(answer).toBeDefined();

    // Closing one frees its slot once the provider has seen the close (asynchronously, so connections are tried
    // until one is served; each refused one is closed at once).
    a.client.close();
    await a.client.closed;
    let next = await connect(p.port);
    for (let tries = 1; !next.served && tries < 100; tries++) next = await connect(p.port);
    expect(next.served).toBe(true);
    // And closing that one lets grpc-js in.
    next.client.close();
    await next.client.closed;
    let code = await grpcJsGreet(p.target);
    for (let tries = 1; code !== grpc.status.OK && tries < 100; tries++) code = await grpcJsGreet(p.target);
    expect(code).toBe(grpc.status.OK);
    expect(b.client.isClosed).toBe(false);
  });
});

describe("our consumer against a provider at its connection cap", () => {
  it("a call whose connection is closed unserved runs again on the other provider (a non-idempotent method)", async () => {
    const capped = await startContractProvider({ accepts: 1 }, (p) =>
      p.service(GreeterService, contractGreeter("capped")),
    );
    cleanups.push(() => capped.close());
    const free = await startContractProvider({}, (p) => p.service(GreeterService, contractGreeter("free")));
    cleanups.push(() => free.close());
    const holder = await connect(capped.port);
    expect(holder.served).toBe(true);

    // A balancer that always picks the capped provider (first in the list); no health checking and no outlier
    // detection, so that it stays in rotation and every call is first sent to it.
    const first: BalancerFactory = () => ({ picker: (ready) => ({ pick: () => ready[0] as (typeof ready)[number] }) });
    const consumer = createConsumer({ balancers: { first }, outlierDetection: false });
    cleanups.push(() => consumer.close());
    const greeter = consumer.reference(GreeterService, {
      url: `tri://${capped.target},${free.target}`,
      loadBalancer: "first",
      healthCheck: false,
      timeout: 10_000,
    });
    for (let i = 0; i < 3; i++) expect((await greeter.greet({ name: `n${i}` })).greeting).toBe(`free, n${i}`);
    const calls = consumer.endpoints(greeter).map((e) => [e.address, e.calls]);
    expect(calls).toEqual([
      [capped.target, 3],
      [free.target, 3],
    ]);

    // One address (mesh mode): the call fails with UNAVAILABLE once its attempts are spent, each on a new connection.
    const mesh = consumer.reference(GreeterService, { url: `tri://${capped.target}`, retries: 1, timeout: 10_000 });
    const error = await mesh.greet({ name: "m" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.Unavailable });
    // The slot free again: the same reference is served.
    holder.client.close();
    await holder.client.closed;
    let answer: string | undefined;
    for (let tries = 0; answer === undefined && tries < 100; tries++) {
      answer = await mesh.greet({ name: "m" }).then(
        (r) => r.greeting,
        () => undefined,
      );
    }
    expect(answer).toBe("capped, m");
  });
});

describe("dubbo.protocol.accepts is checked", () => {
  it("a bad value stops start-up naming the option and key (code) or the key and its source (configuration)", async () => {
    await expect(startContractProvider({ accepts: -1 })).rejects.toThrow(
      "accepts (dubbo.protocol.accepts) must be an integer from 0 to 2147483647, got -1",
    );
    await expect(startContractProvider({ accepts: 1.5 })).rejects.toThrow(
      "accepts (dubbo.protocol.accepts) must be an integer from 0 to 2147483647, got 1.5",
    );
    const load = () =>
      dubbo({
        application: { name: "accepts-app" },
        config: { "dubbo.protocol.accepts": "lots" },
        logger: { info() {}, warn() {}, error() {} },
        handleSignals: false,
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/dubbo\.protocol\.accepts.*lots/);
  });

  it("0, the default, is no limit", async () => {
    const p = await startContractProvider({ accepts: 0 });
    cleanups.push(() => p.close());
    const held = await Promise.all(Array.from({ length: 8 }, () => connect(p.port)));
    expect(held.every((c) => c.served)).toBe(true);
  });
});
