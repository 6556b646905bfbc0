import { createProvider, type Provider } from "@dubbo-mesh/provider";
import { createDubboMetrics, createLifecycle, type Lifecycle, silentLogger } from "@dubbo-mesh/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "./peers/python-peer.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { createGrpcJsHealthClient, type GrpcJsHealthClient } from "./support/grpc-js-health-client.js";
import { until } from "./support/wait.js";

const SERVICE = "fixture.v1.GreeterService";

describe("grpc.health.v1 on the protocol port follows the lifecycle", () => {
  let lifecycle: Lifecycle;
  let provider: Provider;
  let target: string;
  let client: GrpcJsHealthClient;
  const metrics = createDubboMetrics({ processMetrics: false });
  const watching = () => metrics.calls("provider", "grpc.health.v1.Health", "Watch")?.processing;
  const python = (...args: string[]) => runPython("health_client.py", [target, ...args], { timeoutMs: 15_000 });

  beforeAll(async () => {
    lifecycle = createLifecycle();
    provider = createProvider({
      port: 0,
      host: "127.0.0.1",
      logger: silentLogger,
      lifecycle,
      metrics: metrics.provider,
    }).service(GreeterService, contractGreeter());
    const { port } = await provider.start();
    target = `127.0.0.1:${port}`;
    client = createGrpcJsHealthClient(target);
  });
  afterAll(async () => {
    client?.close();
    await provider?.stop({ graceMs: 500 });
  });

  it("NOT_SERVING while start-up is not complete (listening, but the lifecycle is still starting)", async () => {
    expect(lifecycle.state).toBe("starting");
    expect(await client.check("")).toBe("NOT_SERVING");
    expect(await client.check(SERVICE)).toBe("NOT_SERVING");
    expect((await python("check", "")).json).toEqual({ status: "NOT_SERVING" });
  });

  it("SERVING after start-up, for '' and every exported service; NOT_FOUND for an unknown name", async () => {
    lifecycle.transition("started");
    expect(await client.check("")).toBe("SERVING");
    expect(await client.check(SERVICE)).toBe("SERVING");
    expect((await python("check", SERVICE)).json).toEqual({ status: "SERVING" });
    const unknown = await client.check("no.Such").catch((e: { code: number }) => e.code);
    expect(unknown).toBe(5);
    expect((await python("check", "no.Such")).json).toMatchObject({ code: "NOT_FOUND" });
  });

  it("Watch streams every change: offline, online, one service offline (grpc-js and Python)", async () => {
    const watchAll = client.watch("");
    const watchService = client.watch(SERVICE);
    const py = python("watch", SERVICE, "3", "10");
    await until(() => watchAll.statuses.length === 1 && watchService.statuses.length === 1, "the first statuses");
    // Wait until all three Watch calls (grpc-js x2, Python) are in flight on the provider.
    await until(() => watching() === 3, "3 Watch calls in flight", 10_000);
    expect(watching()).toBe(3);
    lifecycle.setOnline(false);
    await until(() => watchAll.statuses.length === 2, "status 2 of watchAll");
    lifecycle.setOnline(true);
    await until(() => watchAll.statuses.length === 3, "status 3 of watchAll");
    lifecycle.setOnline(false, SERVICE);
    await until(() => watchService.statuses.length === 4, "status 4 of watchService");
    expect(watchAll.statuses).toEqual(["SERVING", "NOT_SERVING", "SERVING"]);
    expect(watchService.statuses).toEqual(["SERVING", "NOT_SERVING", "SERVING", "NOT_SERVING"]);
    expect(await client.check("")).toBe("SERVING");
    expect(await client.check(SERVICE)).toBe("NOT_SERVING");
    const r = await py;
    expect(r.lines).toEqual([{ status: "SERVING" }, { status: "NOT_SERVING" }, { status: "SERVING" }]);
    lifecycle.setOnline(true, SERVICE);
    watchAll.cancel();
    watchService.cancel();
  });

  it("Watch on an unknown name streams SERVICE_UNKNOWN", async () => {
    const r = await python("watch", "no.Such", "1", "5");
    expect(r.lines).toEqual([{ status: "SERVICE_UNKNOWN" }]);
  });

  it("shutdown: NOT_SERVING for '' too, then watch streams end and the port closes", async () => {
    const watch = client.watch("");
    await until(() => watch.statuses.length === 1, "status 1 of watch");
    lifecycle.transition("stopping");
    await until(() => watch.statuses.length === 2, "status 2 of watch");
    expect(watch.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    expect(await client.check("")).toBe("NOT_SERVING");
    await provider.stop({ graceMs: 2000 });
    expect(await watch.ended).toBe("OK");
  });
});

describe("a provider that owns its lifecycle", () => {
  it("serves SERVING once listening and stops cleanly", async () => {
    const p = createProvider({ port: 0, host: "127.0.0.1", logger: silentLogger }).service(
      GreeterService,
      contractGreeter(),
    );
    const { port } = await p.start();
    const c = createGrpcJsHealthClient(`127.0.0.1:${port}`);
    try {
      expect(await c.check("")).toBe("SERVING");
      expect(p.lifecycle.state).toBe("started");
      expect((await p.lifecycle.probe("startup")).ok).toBe(true);
    } finally {
      c.close();
      await p.stop({ graceMs: 500 });
    }
    expect(p.lifecycle.state).toBe("stopped");
  });
});
