import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventProcess, repoRoot, spawnNode } from "./support/processes.js";

const providerScript = "samples/greeter/dist/provider.js";
const consumerScript = "samples/greeter/dist/consumer.js";

function runConsumer(url: string) {
  return spawnSync(process.execPath, [consumerScript], {
    cwd: repoRoot,
    env: { ...process.env, DUBBO_CONSUMER_URL: url },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("greeter sample: npm run provider / npm run consumer", () => {
  let provider: EventProcess;
  let port: number;
  beforeAll(async () => {
    provider = spawnNode(providerScript, { DUBBO_PROTOCOL_PORT: "0", DUBBO_APPLICATION_QOS_PORT: "0" });
    const listening = await provider.waitFor((e) => e.event === "provider-listening");
    port = Number(listening.port);
  });
  afterAll(async () => {
    await provider?.stop();
  });

  it("the provider logs one JSON line when listening, with its port", () => {
    expect(port).toBeGreaterThan(0);
    expect(provider.events.filter((e) => e.event === "provider-listening")).toHaveLength(1);
  });

  it("the consumer runs all four call kinds and exits 0; replies name the serving instance", () => {
    const r = runConsumer(`http://127.0.0.1:${port}`);
    expect(r.status).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; reply: string })
      .filter((e) => e.event.startsWith("greet"));
    expect(events.map((e) => e.event)).toEqual([
      "greet",
      "greet-stream",
      "greet-stream",
      "greet-stream",
      "greet-client-stream",
      "greet-bidi",
      "greet-bidi",
    ]);
    expect(events[0]?.reply).toBe(`hello, alice from 127.0.0.1:${port}`);
  });

  it("the consumer exits non-zero with the gRPC code when no provider answers", () => {
    const r = runConsumer("http://127.0.0.1:1");
    expect(r.status).toBe(10 + 14);
    expect(JSON.parse(r.stderr.trim())).toMatchObject({ event: "call-failed", code: "Unavailable" });
  });

  it("the provider stops on SIGTERM with exit code 0", async () => {
    const p = spawnNode(providerScript, { DUBBO_PROTOCOL_PORT: "0", DUBBO_APPLICATION_QOS_PORT: "0" });
    await p.waitFor((e) => e.event === "provider-listening");
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  it("a bad DUBBO_PROTOCOL_PORT stops start-up with a message naming it", () => {
    const r = spawnSync(process.execPath, [providerScript], {
      cwd: repoRoot,
      env: { ...process.env, DUBBO_PROTOCOL_PORT: "70000" },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).not.toBe(0);
    const error = JSON.parse(r.stderr.trim()) as { event: string; error: string };
    expect(error.event).toBe("startup-failed");
    expect(error.error).toContain("dubbo.protocol.port");
    expect(error.error).toContain("DUBBO_PROTOCOL_PORT");
    expect(error.error).toContain("70000");
  });
});
