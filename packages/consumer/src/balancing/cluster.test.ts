import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Attempt, newAttempt } from "../call.js";
import { ConnectionPool } from "../connection-pool.js";
import { Cluster, type ClusterOptions } from "./cluster.js";
import { Endpoint } from "./endpoint.js";
import { defaultOutlierDetection } from "./outlier-detection.js";
import type { ResolverListener } from "./resolver.js";
import { roundRobin } from "./round-robin.js";

const clusters: Cluster[] = [];
afterEach(() => {
  for (const c of clusters.splice(0)) c.close();
});

/** A cluster without health checking whose resolver is driven by the test. */
function cluster(options: Partial<ClusterOptions> = {}) {
  let listener: ResolverListener | undefined;
  const requestResolution = vi.fn();
  const c = new Cluster({
    name: "svc.demo:50052",
    resolve: (l) => {
      listener = l;
      return { requestResolution, close() {} };
    },
    balancer: roundRobin(),
    pool: new ConnectionPool(),
    healthServiceName: undefined,
    outlierDetection: { ...defaultOutlierDetection, consecutiveFailures: 2, baseEjectionTimeMs: 60 },
    holdDownOnConnectFailure: true,
    ...options,
  });
  clusters.push(c);
  const url = new URL("http://svc.demo:50052");
  const resolve = (...ips: string[]) => listener?.onAddresses(ips.map((ip) => ({ url, ip })));
  return { c, resolve, fail: (e: Error) => listener?.onError(e), requestResolution };
}

const picked = (c: Cluster) => {
  const p = c.pick();
  return p instanceof Endpoint ? p.address : p.kind;
};
/** The report of an attempt that reached the provider. */
const processed = (): Attempt => ({ progress: "processed", connectionLost: false });
/** A call that waits up to `ms` (undefined = no deadline), cancelled by `signal`. */
const waiting = (ms: number | undefined, signal?: AbortSignal) => ({
  signal,
  deadline: ms === undefined ? undefined : Date.now() + ms,
  timeoutMs: ms,
});
const unavailable = () => new ConnectError("down", Code.Unavailable);
const refused = () =>
  new ConnectError(
    "connect ECONNREFUSED",
    Code.Unavailable,
    undefined,
    undefined,
    Object.assign(new Error("connect ECONNREFUSED"), { syscall: "connect", code: "ECONNREFUSED" }),
  );

describe("Cluster", () => {
  it("queues until the resolver reports, then picks round robin over the addresses", async () => {
    const { c, resolve } = cluster();
    expect(picked(c)).toBe("queue");
    const pending = c.waitForEndpoint(waiting(1000));
    resolve("10.0.0.1", "10.0.0.2");
    expect(["10.0.0.1:50052", "10.0.0.2:50052"]).toContain((await pending).address);
    expect(new Set([picked(c), picked(c)])).toEqual(new Set(["10.0.0.1:50052", "10.0.0.2:50052"]));
    expect(c.stats().map((e) => e.authority)).toEqual(["svc.demo:50052", "svc.demo:50052"]);
  });

  it("a new resolution replaces the set; endpoints that stay keep their counters", () => {
    const { c, resolve } = cluster();
    resolve("10.0.0.1", "10.0.0.2");
    const one = c.pick() as Endpoint;
    one.calls = 7;
    resolve(one.address.split(":")[0] ?? "", "10.0.0.3");
    expect(c.stats().map((e) => [e.address, e.calls])).toEqual([
      [one.address, 7],
      ["10.0.0.3:50052", 0],
    ]);
  });

  it("a pick avoiding endpoints (a retry's tried ones) takes another in rotation, the picker's when all are avoided", () => {
    const { c, resolve } = cluster();
    resolve("10.0.0.1", "10.0.0.2", "10.0.0.3");
    const avoided = ["10.0.0.1:50052", "10.0.0.3:50052"];
    for (let i = 0; i < 6; i++) expect((c.pick(avoided) as Endpoint).address).toBe("10.0.0.2:50052");
    // A balancer that always picks the first endpoint: the first one not avoided is taken instead.
    const first = cluster({ balancer: { picker: (ready) => ({ pick: () => ready[0] as (typeof ready)[number] }) } });
    first.resolve("10.0.0.1", "10.0.0.2", "10.0.0.3");
    expect((first.c.pick(["10.0.0.1:50052"]) as Endpoint).address).toBe("10.0.0.2:50052");
    const all = ["10.0.0.1:50052", "10.0.0.2:50052", "10.0.0.3:50052"];
    expect((first.c.pick(all) as Endpoint).address).toBe("10.0.0.1:50052");
  });

  it("a resolution error with no addresses fails fast naming the target; with addresses, they stay", () => {
    const { c, resolve, fail } = cluster();
    fail(new Error("cannot resolve svc.demo: ENOTFOUND"));
    const p = c.pick();
    expect(p).toMatchObject({ kind: "fail", error: { code: Code.Unavailable } });
    expect((p as { error: ConnectError }).error.rawMessage).toBe(
      "no endpoint for svc.demo:50052: cannot resolve svc.demo: ENOTFOUND",
    );
    resolve("10.0.0.1");
    fail(new Error("SERVFAIL"));
    expect(picked(c)).toBe("10.0.0.1:50052");
  });

  it("outlier detection: consecutive UNAVAILABLE eject for the base time; one ejected at a time", async () => {
    const { c, resolve } = cluster();
    resolve("10.0.0.1", "10.0.0.2");
    const [a, b] = [c.pick() as Endpoint, c.pick() as Endpoint];
    c.callFailed(a, unavailable(), processed());
    c.callSucceeded(a); // a success in between resets the count
    c.callFailed(a, unavailable(), processed());
    expect(a.ejectedUntil).toBeUndefined();
    c.callFailed(a, unavailable(), processed());
    expect(a.ejectedUntil).toBeDefined();
    expect([picked(c), picked(c)]).toEqual([b.address, b.address]);
    c.callFailed(b, unavailable(), processed());
    c.callFailed(b, unavailable(), processed());
    expect(b.ejectedUntil).toBeUndefined(); // 10 %: only one of two
    await new Promise((r) => setTimeout(r, 80));
    expect(a.ejectedUntil).toBeUndefined();
    expect(a.stats()).toMatchObject({ ejections: 1, failures: 3, inRotation: true });
  });

  it("a status other than UNAVAILABLE resets the count; DEADLINE_EXCEEDED neither counts nor resets", () => {
    const { c, resolve } = cluster();
    resolve("10.0.0.1");
    const a = c.pick() as Endpoint;
    c.callFailed(a, unavailable(), processed());
    c.callFailed(a, new ConnectError("late", Code.DeadlineExceeded), processed());
    expect(a.consecutiveFailures).toBe(1);
    c.callFailed(a, new ConnectError("no", Code.NotFound), processed());
    expect(a.consecutiveFailures).toBe(0);
  });

  it("without health checking, a refused connection holds the endpoint down and asks for a resolution", () => {
    const { c, resolve, requestResolution } = cluster({ outlierDetection: undefined });
    resolve("10.0.0.1");
    const a = c.pick() as Endpoint;
    c.callFailed(a, refused(), newAttempt());
    expect(requestResolution).toHaveBeenCalled();
    expect(a.health).toBe("unreachable");
    const p = c.pick() as { kind: string; error: ConnectError };
    expect(p.kind).toBe("fail");
    expect(p.error.rawMessage).toBe(
      "no healthy endpoint for svc.demo:50052 (1 known: 1 unreachable; connect ECONNREFUSED)",
    );
  });

  it("mesh's single address (no hold-down) keeps its one endpoint in rotation whatever happens", () => {
    const { c, resolve } = cluster({ outlierDetection: undefined, holdDownOnConnectFailure: false });
    resolve("10.0.0.1");
    const a = c.pick() as Endpoint;
    for (let i = 0; i < 10; i++) c.callFailed(a, refused(), newAttempt());
    expect(picked(c)).toBe(a.address);
  });

  it("waiting: DEADLINE_EXCEEDED after the timeout, CANCELED on abort or close", async () => {
    const { c } = cluster();
    await expect(c.waitForEndpoint(waiting(30))).rejects.toMatchObject({
      code: Code.DeadlineExceeded,
      rawMessage: "deadline of 30 ms exceeded waiting for an endpoint of svc.demo:50052 (0 known: )",
    });
    const abort = new AbortController();
    const aborted = c.waitForEndpoint(waiting(undefined, abort.signal));
    abort.abort();
    await expect(aborted).rejects.toMatchObject({ code: Code.Canceled });
    const closed = c.waitForEndpoint(waiting(undefined));
    c.close();
    await expect(closed).rejects.toMatchObject({ code: Code.Canceled });
  });
});
