import { createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Haproxy, startHaproxy } from "./support/haproxy.js";
import { type EventProcess, spawnNode } from "./support/processes.js";

// Issue 5's end-to-end check: the demo's providers (the greeter sample) behind a real proxy that balances per request
// over one HTTP/2 client connection, with active gRPC health checks — what Envoy does in docker compose and Istio.
describe("greeter sample providers behind HAProxy (proto h2, gRPC health checks)", () => {
  const providers: { process: EventProcess; port: number }[] = [];
  let haproxy: Haproxy;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const process = spawnNode("samples/greeter/dist/provider.js", {
        DUBBO_PROTOCOL_HOST: "127.0.0.1",
        DUBBO_PROTOCOL_PORT: String(port),
        DUBBO_APPLICATION_QOS_PORT: "0",
      });
      providers.push({ process, port });
    }
    await Promise.all(providers.map((p) => p.process.waitFor((e) => e.event === "application-started")));
    haproxy = await startHaproxy({
      backends: providers.map((p, i) => ({ name: `greeter-${i + 1}`, host: "127.0.0.1", port: p.port })),
    });
    await Promise.all(providers.map((_, i) => haproxy.waitForStatus(`greeter-${i + 1}`, "UP", 10_000)));
  });
  afterAll(async () => {
    await haproxy?.stop();
    for (const p of providers) await p.process.stop();
  });

  it("spreads calls per request over one client connection: each provider gets 25-42% of 600 calls", async () => {
    const consumer = createConsumer({ timeout: 5000 });
    const greeter = consumer.reference(GreeterService, { url: haproxy.url, version: "1.0.0" });
    const counts = new Map<string, number>();
    try {
      for (let batch = 0; batch < 30; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, i) => greeter.greet({ name: `c${batch}-${i}` })),
        );
        for (const { greeting } of replies) {
          const instance = greeting.slice(greeting.lastIndexOf(" from ") + 6);
          counts.set(instance, (counts.get(instance) ?? 0) + 1);
        }
      }
    } finally {
      consumer.close();
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(600);
    expect([...counts.keys()].sort()).toEqual(providers.map((p) => `127.0.0.1:${p.port}`).sort());
    for (const n of counts.values()) {
      expect(n / total).toBeGreaterThanOrEqual(0.25);
      expect(n / total).toBeLessThanOrEqual(0.42);
    }
  });
});
