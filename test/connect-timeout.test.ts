/**
 * The consumer's connect timeout (`connectTimeoutMs`, Dubbo's `connect.timeout`) against an address that never answers
 * SYN — a network namespace of the test's own whose replies are blackholed — next to a live provider on loopback.
 * Calls have a long deadline, so that without the bound a call sent to the dead address would wait for it: with the
 * bound, the dead endpoint fails within the connect timeout, leaves rotation, and calls are answered by the live one.
 * Skipped when network namespaces cannot be made (not root, no `ip netns`).
 */
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { createConsumer, type EndpointChange } from "@dubbo-mesh/consumer";
import { dubbo } from "dubbo-mesh";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BlackholeNamespace, createBlackholeNamespace, netnsUnavailable } from "./support/blackhole-namespace.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPING connect-timeout tests: no network namespaces (${unavailable})`);

/** Long enough that a call waiting on the dead address would fail the test by its deadline, not pass by luck. */
const deadlineMs = 20_000;
const connectTimeoutMs = 200;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(unavailable !== undefined)("connect timeout: an address that never answers SYN", () => {
  let ns: BlackholeNamespace;
  let live: TestProvider;
  let dead: string;
  beforeAll(async () => {
    ns = createBlackholeNamespace();
    dead = `${ns.deadIp}:50052`;
    live = await startContractProvider({}, (p) => p.service(GreeterService, contractGreeter("live")));
  });
  afterAll(async () => {
    await live?.close();
    ns?.remove();
  });

  /** A consumer with the test's connect timeout, closed after the test; `changes` records endpoint changes. */
  function consumer(extra: Parameters<typeof createConsumer>[0] = {}) {
    const changes: EndpointChange[] = [];
    const waiters: { test: (c: EndpointChange) => boolean; resolve: () => void }[] = [];
    const c = createConsumer({
      connectTimeoutMs,
      onEndpointChange: (change) => {
        changes.push(change);
        for (const w of waiters.filter((w) => w.test(change))) w.resolve();
      },
      ...extra,
    });
    cleanups.push(() => c.close());
    const until = (test: (c: EndpointChange) => boolean) =>
      new Promise<void>((resolve) => (changes.some(test) ? resolve() : waiters.push({ test, resolve })));
    return { c, changes, until };
  }

  const greetAll = async (greeter: Client<typeof GreeterService>, n: number) => {
    const answers: string[] = [];
    for (let i = 0; i < n; i++) answers.push((await greeter.greet({ name: `n${i}` })).greeting);
    return answers;
  };

  it("without health checking: a call picked onto it is retried on the live provider; it leaves rotation", async () => {
    const { c, changes } = consumer();
    const greeter = c.reference(GreeterService, {
      url: `tri://${dead},${live.target}`,
      healthCheck: false,
      timeout: deadlineMs,
    });
    // Round robin: of any two calls in a row one is picked onto the dead endpoint first.
    expect(await greetAll(greeter, 6)).toEqual(Array.from({ length: 6 }, (_, i) => `live, n${i}`));
    // It left rotation (held down for a while, 1 s at first) because of the connect timeout.
    const left = changes.find((ch) => ch.endpoint.address === dead && ch.endpoint.health === "unreachable");
    expect(left?.endpoint).toMatchObject({ inRotation: false });
    expect(left?.endpoint.lastError).toContain(`connect ETIMEDOUT ${dead}`);
    expect(left?.endpoint.lastError).toContain(`${connectTimeoutMs} ms`);
    expect(c.endpoints(greeter).find((e) => e.address === dead)?.calls).toBeGreaterThanOrEqual(1);
  });

  it("with health checking: its Watch fails within the connect timeout (unreachable, not connecting forever)", async () => {
    const { c, until } = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://${dead},${live.target}`, timeout: deadlineMs });
    await until((ch) => ch.endpoint.address === dead && ch.endpoint.health === "unreachable");
    const deadEndpoint = c.endpoints(greeter).find((e) => e.address === dead);
    expect(deadEndpoint?.lastError).toContain(`connect ETIMEDOUT ${dead}`);
    expect(await greetAll(greeter, 4)).toEqual(Array.from({ length: 4 }, (_, i) => `live, n${i}`));
    expect(c.endpoints(greeter).find((e) => e.address === dead)?.calls).toBe(0);
  });

  it("with every endpoint dead, calls fail fast with UNAVAILABLE instead of waiting for the deadline", async () => {
    const { c, until } = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://${dead},${ns.deadIp}:50053`, timeout: deadlineMs });
    await until((ch) => ch.endpoint.address === dead && ch.endpoint.health === "unreachable");
    await until((ch) => ch.endpoint.address === `${ns.deadIp}:50053` && ch.endpoint.health === "unreachable");
    const error = await greeter.greet({ name: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.Unavailable });
    expect((error as ConnectError).rawMessage).toMatch(/no healthy endpoint .*2 unreachable.*connect ETIMEDOUT/);
  });

  it("mesh mode (one address): every attempt fails at the connect timeout, the call with UNAVAILABLE", async () => {
    const { c } = consumer();
    const greeter = c.reference(GreeterService, { url: `tri://${dead}`, timeout: deadlineMs });
    const error = await greeter.greet({ name: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.Unavailable });
    expect((error as ConnectError).rawMessage).toContain(`connect ETIMEDOUT ${dead}`);
  });

  it("in a dubbo() application the bound is dubbo.consumer.connect-timeout", async () => {
    const app = dubbo({
      application: { name: "connect-timeout-app" },
      config: { "dubbo.consumer.connect-timeout": 150, "dubbo.application.qos-enable": false },
      logger: { info() {}, warn() {}, error() {} },
      handleSignals: false,
    });
    cleanups.push(() => app.stop());
    const greeter = app.reference(GreeterService, { url: `tri://${dead}`, timeout: deadlineMs });
    const error = await greeter.greet({ name: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.Unavailable });
    expect((error as ConnectError).rawMessage).toContain("connect timeout of 150 ms");
  });

  it("0 turns the bound off: a call then waits for its deadline", async () => {
    const { c } = consumer({ connectTimeoutMs: 0 });
    const greeter = c.reference(GreeterService, { url: `tri://${dead}`, timeout: 500 });
    const error = await greeter.greet({ name: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.DeadlineExceeded });
  });
});

describe("connect timeout is checked", () => {
  it("a negative or fractional connectTimeoutMs is refused naming it", () => {
    expect(() => createConsumer({ connectTimeoutMs: -1 })).toThrow(
      "connectTimeoutMs (dubbo.consumer.connect-timeout) must be a non-negative integer number of milliseconds, got -1",
    );
    expect(() => createConsumer({ connectTimeoutMs: 1.5 })).toThrow("connectTimeoutMs");
  });
});
