import { describe, expect, it } from "vitest";
import { createLifecycle, type LifecycleChange } from "./index.js";

const greeter = "greet.v1.GreeterService";
const other = "greet.v1.OtherService";

describe("Lifecycle state", () => {
  it("starts in starting and walks forward", () => {
    const lifecycle = createLifecycle();
    expect(lifecycle.state).toBe("starting");
    lifecycle.transition("started");
    lifecycle.transition("stopping");
    lifecycle.transition("stopped");
    expect(lifecycle.state).toBe("stopped");
  });

  it("allows shutting down during start-up", () => {
    const lifecycle = createLifecycle();
    lifecycle.transition("stopping");
    expect(lifecycle.state).toBe("stopping");
  });

  it.each([
    ["starting", "starting", []],
    ["starting", "stopped", []],
    ["started", "starting", ["started"]],
    ["started", "started", ["started"]],
    ["started", "stopped", ["started"]],
    ["stopping", "started", ["started", "stopping"]],
    ["stopped", "started", ["started", "stopping", "stopped"]],
  ] as const)("throws on %s -> %s", (from, to, path) => {
    const lifecycle = createLifecycle();
    for (const step of path) {
      lifecycle.transition(step);
    }
    expect(lifecycle.state).toBe(from);
    expect(() => lifecycle.transition(to)).toThrow(`illegal lifecycle transition ${from} -> ${to}`);
    expect(lifecycle.state).toBe(from);
  });

  it("names the terminal state", () => {
    const lifecycle = createLifecycle();
    lifecycle.transition("stopping");
    lifecycle.transition("stopped");
    expect(() => lifecycle.transition("starting")).toThrow("stopped is terminal");
  });
});

describe("Lifecycle services and isServing", () => {
  it("serves only when started and online", () => {
    const lifecycle = createLifecycle();
    lifecycle.addService(greeter);
    lifecycle.addService(greeter);
    expect(lifecycle.services()).toEqual([greeter]);
    expect(lifecycle.isServing()).toBe(false);
    expect(lifecycle.isServing("")).toBe(false);
    expect(lifecycle.isServing(greeter)).toBe(false);
    lifecycle.transition("started");
    expect(lifecycle.isServing()).toBe(true);
    expect(lifecycle.isServing(greeter)).toBe(true);
    lifecycle.transition("stopping");
    expect(lifecycle.isServing()).toBe(false);
    expect(lifecycle.isServing(greeter)).toBe(false);
  });

  it("answers undefined for unknown services", () => {
    const lifecycle = createLifecycle();
    lifecycle.transition("started");
    expect(lifecycle.isServing(other)).toBeUndefined();
    expect(lifecycle.isOnline(other)).toBeUndefined();
    expect(lifecycle.setOnline(false, other)).toBe(false);
    expect(lifecycle.isServing(other)).toBeUndefined();
  });

  it("combines the app flag and the service flag", () => {
    const lifecycle = createLifecycle();
    lifecycle.addService(greeter);
    lifecycle.addService(other);
    lifecycle.transition("started");

    expect(lifecycle.setOnline(false, greeter)).toBe(true);
    expect(lifecycle.isOnline(greeter)).toBe(false);
    expect(lifecycle.isServing(greeter)).toBe(false);
    expect(lifecycle.isServing(other)).toBe(true);
    expect(lifecycle.isServing()).toBe(true);

    lifecycle.setOnline(false);
    expect(lifecycle.isOnline()).toBe(false);
    expect(lifecycle.isServing()).toBe(false);
    expect(lifecycle.isServing(other)).toBe(false);
    expect(lifecycle.isOnline(other)).toBe(true);

    lifecycle.setOnline(true);
    expect(lifecycle.isServing(other)).toBe(true);
    expect(lifecycle.isServing(greeter)).toBe(false);
    lifecycle.setOnline(true, greeter);
    expect(lifecycle.isServing(greeter)).toBe(true);
  });

  it("rejects an empty service name", () => {
    expect(() => createLifecycle().addService("")).toThrow("must not be empty");
  });
});

describe("Lifecycle onChange", () => {
  it("reports every change once, after it is visible, until unsubscribed", () => {
    const lifecycle = createLifecycle();
    const seen: Array<[LifecycleChange, boolean | undefined]> = [];
    const unsubscribe = lifecycle.onChange((change) => seen.push([change, lifecycle.isServing()]));
    lifecycle.addService(greeter);
    lifecycle.addService(greeter);
    lifecycle.transition("started");
    lifecycle.setOnline(false);
    lifecycle.setOnline(false);
    lifecycle.setOnline(false, greeter);
    lifecycle.setOnline(true);
    unsubscribe();
    lifecycle.transition("stopping");
    expect(seen).toEqual([
      [{ type: "service", service: greeter }, false],
      [{ type: "state", from: "starting", to: "started" }, true],
      [{ type: "online", service: undefined, online: false }, false],
      [{ type: "online", service: greeter, online: false }, false],
      [{ type: "online", service: undefined, online: true }, true],
    ]);
  });

  it("keeps notifying after a listener throws", () => {
    const errors: unknown[] = [];
    const lifecycle = createLifecycle({ onListenerError: (error) => errors.push(error) });
    const seen: string[] = [];
    lifecycle.onChange(() => {
      throw new Error("boom");
    });
    lifecycle.onChange((change) => seen.push(change.type));
    lifecycle.transition("started");
    expect(lifecycle.state).toBe("started");
    expect(seen).toEqual(["state"]);
    expect(errors).toHaveLength(1);
  });
});

describe("Lifecycle probes", () => {
  it("liveness passes by default and follows its checks", async () => {
    const lifecycle = createLifecycle();
    expect(await lifecycle.probe("liveness")).toEqual({ ok: true, failed: [] });
    let healthy = false;
    const remove = lifecycle.addCheck("liveness", "event-loop", () => healthy);
    expect(await lifecycle.probe("liveness")).toEqual({ ok: false, failed: ["event-loop"] });
    healthy = true;
    expect((await lifecycle.probe("liveness")).ok).toBe(true);
    healthy = false;
    remove();
    expect((await lifecycle.probe("liveness")).ok).toBe(true);
  });

  it("readiness follows state, online and checks", async () => {
    const lifecycle = createLifecycle();
    expect(await lifecycle.probe("readiness")).toEqual({ ok: false, failed: ["lifecycle:state=starting"] });
    lifecycle.transition("started");
    expect(await lifecycle.probe("readiness")).toEqual({ ok: true, failed: [] });
    lifecycle.setOnline(false);
    expect(await lifecycle.probe("readiness")).toEqual({ ok: false, failed: ["lifecycle:offline"] });
    lifecycle.setOnline(true);
    expect((await lifecycle.probe("readiness")).ok).toBe(true);
    lifecycle.addCheck("readiness", "db", async () => false);
    expect(await lifecycle.probe("readiness")).toEqual({ ok: false, failed: ["db"] });
    lifecycle.transition("stopping");
    expect(await lifecycle.probe("readiness")).toEqual({ ok: false, failed: ["lifecycle:state=stopping", "db"] });
  });

  it("a service offline does not drain readiness", async () => {
    const lifecycle = createLifecycle();
    lifecycle.addService(greeter);
    lifecycle.transition("started");
    lifecycle.setOnline(false, greeter);
    expect((await lifecycle.probe("readiness")).ok).toBe(true);
  });

  it("startup needs start-up completed, and stays true while stopping", async () => {
    const lifecycle = createLifecycle();
    let listening = false;
    lifecycle.addCheck("startup", "listening", () => listening);
    lifecycle.addCheck("startup", "health-serving", () => true);
    expect(await lifecycle.probe("startup")).toEqual({ ok: false, failed: ["lifecycle:state=starting", "listening"] });
    listening = true;
    expect(await lifecycle.probe("startup")).toEqual({ ok: false, failed: ["lifecycle:state=starting"] });
    lifecycle.transition("started");
    expect(await lifecycle.probe("startup")).toEqual({ ok: true, failed: [] });
    lifecycle.transition("stopping");
    expect((await lifecycle.probe("startup")).ok).toBe(true);
  });

  it("startup never passes when shut down during start-up", async () => {
    const lifecycle = createLifecycle();
    lifecycle.transition("stopping");
    expect(await lifecycle.probe("startup")).toEqual({ ok: false, failed: ["lifecycle:state=stopping"] });
  });

  it("fails a check that throws or rejects", async () => {
    const lifecycle = createLifecycle();
    lifecycle.addCheck("liveness", "throws", () => {
      throw new Error("sync boom");
    });
    lifecycle.addCheck("liveness", "rejects", () => Promise.reject(new Error("async boom")));
    lifecycle.addCheck("liveness", "passes", () => true);
    expect(await lifecycle.probe("liveness")).toEqual({ ok: false, failed: ["throws", "rejects"] });
  });

  it("fails a slow check at its timeout, running checks concurrently", async () => {
    const lifecycle = createLifecycle();
    const never = () => new Promise<boolean>(() => {});
    lifecycle.addCheck("readiness", "slow-a", never, { timeoutMs: 100 });
    lifecycle.addCheck("readiness", "slow-b", never, { timeoutMs: 100 });
    lifecycle.addCheck("readiness", "late", () => new Promise((r) => setTimeout(() => r(true), 1000)), {
      timeoutMs: 150,
    });
    lifecycle.transition("started");
    const begin = performance.now();
    const result = await lifecycle.probe("readiness");
    const elapsed = performance.now() - begin;
    expect(result).toEqual({ ok: false, failed: ["slow-a", "slow-b", "late"] });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(900);
  });

  it("uses a 1000 ms default timeout", async () => {
    const lifecycle = createLifecycle();
    lifecycle.addCheck("liveness", "hangs", () => new Promise<boolean>(() => {}));
    const begin = performance.now();
    expect((await lifecycle.probe("liveness")).failed).toEqual(["hangs"]);
    expect(performance.now() - begin).toBeGreaterThanOrEqual(990);
  });

  it("rejects duplicate names and bad timeouts", () => {
    const lifecycle = createLifecycle();
    lifecycle.addCheck("readiness", "db", () => true);
    expect(() => lifecycle.addCheck("readiness", "db", () => true)).toThrow('readiness check named "db"');
    lifecycle.addCheck("liveness", "db", () => true);
    expect(() => lifecycle.addCheck("startup", "x", () => true, { timeoutMs: 0 })).toThrow("timeoutMs");
  });
});
