import { setTimeout as sleep } from "node:timers/promises";
import { ConnectError, createConsumer, type EndpointChange } from "@dubbo-mesh/consumer";
import { afterEach, describe, expect, it } from "vitest";
import { type FreezingProxy, startFreezingProxy } from "./support/freezing-proxy.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

/** One call of the scenario: when it started (ms after the freeze; negative before) and how it ended. */
interface Outcome {
  at: number;
  error?: string;
}

/**
 * The scenario of issue 16: a call every 100 ms with a 500 ms deadline; after 10 calls the proxy stops forwarding
 * the connection in use (no FIN, no RST). Runs until 10 calls in a row after the freeze succeeded (or 60 calls).
 */
async function callThroughFreeze(
  greet: () => Promise<unknown>,
  freeze: () => void,
): Promise<{ outcomes: Outcome[]; frozenAt: number }> {
  const pending: Promise<void>[] = [];
  const outcomes: Outcome[] = [];
  let frozenAt = Number.POSITIVE_INFINITY;
  let successesInARow = 0;
  for (let i = 0; i < 70; i++) {
    if (i === 10) {
      await Promise.all(pending); // every call before the freeze has been answered
      freeze();
      frozenAt = performance.now();
    }
    const outcome: Outcome = { at: performance.now() - (i < 10 ? 0 : frozenAt) };
    outcomes.push(outcome);
    pending.push(
      greet().then(
        () => {
          if (i >= 10) successesInARow++;
        },
        (e: unknown) => {
          outcome.error = ConnectError.from(e).code.toString();
          successesInARow = 0;
        },
      ),
    );
    if (successesInARow >= 10) break;
    await sleep(100);
  }
  await Promise.all(pending);
  return { outcomes, frozenAt };
}

describe("a connection that goes silent (issue 16)", () => {
  let provider: TestProvider | undefined;
  const proxies: FreezingProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    await provider?.close();
    provider = undefined;
  });

  it("is detected and replaced with default settings, in mesh mode (one address)", async () => {
    provider = await startContractProvider();
    const proxy = await startFreezingProxy(provider.port);
    proxies.push(proxy);
    const consumer = createConsumer({ timeout: 500 });
    try {
      const greeter = consumer.reference(GreeterService, { url: `tri://127.0.0.1:${proxy.port}` });
      let replacedAt = Number.NaN;
      void proxy.waitForAccepted(2).then(() => {
        replacedAt = performance.now();
      });
      const { outcomes, frozenAt } = await callThroughFreeze(
        () => greeter.greet({ name: "x" }),
        () => proxy.freeze(),
      );
      const failed = outcomes.filter((o) => o.error !== undefined);
      console.log(
        `mesh: replaced ${(replacedAt - frozenAt).toFixed(0)} ms after the freeze; ${failed.length} failed calls`,
        failed.map((o) => `${o.at.toFixed(0)}ms:${o.error}`).join(" "),
      );
      expect(outcomes.slice(0, 10).every((o) => o.error === undefined)).toBe(true);
      expect(failed.length).toBeLessThanOrEqual(5);
      expect(outcomes.slice(-10).every((o) => o.error === undefined)).toBe(true);
      expect(proxy.accepted).toBe(2); // one new connection, not a reconnect loop
    } finally {
      consumer.close();
    }
  });

  it("takes the endpoint out of rotation with client-side balancing (tri://a,b), then back on a new connection", async () => {
    provider = await startContractProvider();
    const a = await startFreezingProxy(provider.port);
    const b = await startFreezingProxy(provider.port);
    proxies.push(a, b);
    const changes: EndpointChange[] = [];
    const consumer = createConsumer({ timeout: 500, balancing: "client", onEndpointChange: (c) => changes.push(c) });
    try {
      const greeter = consumer.reference(GreeterService, {
        url: `tri://127.0.0.1:${a.port},127.0.0.1:${b.port}`,
        healthCheck: { serviceName: "" },
      });
      let replacedAt = Number.NaN;
      void a.waitForAccepted(2).then(() => {
        replacedAt = performance.now();
      });
      let frozenChanges = 0;
      const { outcomes, frozenAt } = await callThroughFreeze(
        () => greeter.greet({ name: "x" }),
        () => {
          frozenChanges = changes.length;
          a.freeze();
        },
      );
      const failed = outcomes.filter((o) => o.error !== undefined);
      console.log(
        `client balancing: replaced ${(replacedAt - frozenAt).toFixed(0)} ms after the freeze; ${failed.length} failed calls`,
        failed.map((o) => `${o.at.toFixed(0)}ms:${o.error}`).join(" "),
      );
      expect(failed.length).toBeLessThanOrEqual(5);
      expect(outcomes.slice(-10).every((o) => o.error === undefined)).toBe(true);
      const ofA = changes.slice(frozenChanges).filter((c) => c.endpoint.address === `127.0.0.1:${a.port}`);
      expect(ofA.some((c) => !c.endpoint.inRotation)).toBe(true);
      expect(ofA.at(-1)?.endpoint.inRotation).toBe(true);
      expect(b.accepted).toBe(1);
    } finally {
      consumer.close();
    }
  });

  it("loses no call on a connection that was only stalled: found silent, it takes no new call but finishes its own", async () => {
    provider = await startContractProvider();
    const proxy = await startFreezingProxy(provider.port);
    proxies.push(proxy);
    const consumer = createConsumer({ timeout: 10_000 });
    try {
      const greeter = consumer.reference(GreeterService, { url: `tri://127.0.0.1:${proxy.port}` });
      await greeter.greet({ name: "warm" });
      const long = greeter.greet({ name: "sleep:2000" });
      await sleep(100); // the call is at the provider
      proxy.freeze();
      // Calls as an application would make them, until one gets through (on a new connection).
      let during: string | undefined;
      for (let i = 0; i < 20 && during === undefined; i++) {
        during = await greeter.greet({ name: "during" }, { timeoutMs: 400 }).then(
          (r) => r.greeting,
          () => undefined,
        );
      }
      expect(during).toMatch(/^hello, during/);
      expect(proxy.accepted).toBe(2);
      proxy.thaw(); // the stall ends: the first connection delivers what it held
      expect((await long).greeting).toMatch(/^hello, sleep:2000/);
    } finally {
      consumer.close();
    }
  });
});
