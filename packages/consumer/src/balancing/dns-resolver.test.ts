import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AddressAnswer } from "./dns-query.js";
import { createDnsResolver } from "./dns-resolver.js";
import type { NameResolver, ResolvedAddress } from "./resolver.js";

// Time-driven unit: fake timers (Date.now() included), so every schedule is checked to the millisecond, not slept.
const resolvers: NameResolver[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  for (const r of resolvers.splice(0)) r.close();
  vi.useRealTimers();
});
/** Moves the fake clock on by `ms`, running the timers and promise callbacks due on the way. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const t0 = 1_000_000;

/** A DNS resolver over a scripted query; records what it reports and when it queried. */
function run(answers: (AddressAnswer | Error)[], intervalMs = 10_000, minIntervalMs = 20) {
  const queries: number[] = [];
  const reports: (string[] | string)[] = [];
  const query = async () => {
    queries.push(Date.now());
    const a = answers[Math.min(queries.length - 1, answers.length - 1)];
    if (a instanceof Error) throw a;
    return a as AddressAnswer;
  };
  const resolver = createDnsResolver(
    new URL("http://svc.demo.svc.cluster.local:50052"),
    { query, intervalMs, minIntervalMs },
    {
      onAddresses: (list: ResolvedAddress[]) => reports.push(list.map((a) => `${a.ip} ${a.url.host}`)),
      onError: (e) => reports.push(e.message),
    },
  );
  resolvers.push(resolver);
  return { resolver, queries, reports };
}

describe("createDnsResolver", () => {
  it("reports every record, dialled at its IP, named by the host", async () => {
    const { reports } = run([{ ips: ["10.0.0.1", "10.0.0.2"], ttlSeconds: 30 }]);
    await advance(0);
    expect(reports).toEqual([
      ["10.0.0.1 svc.demo.svc.cluster.local:50052", "10.0.0.2 svc.demo.svc.cluster.local:50052"],
    ]);
  });

  it("resolves again when the TTL runs out, but not more often than minIntervalMs", async () => {
    const { queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 0 }], 10_000, 40);
    await advance(150);
    // TTL 0 would mean "at once"; minIntervalMs spaces the queries 40 ms apart.
    expect(queries).toEqual([t0, t0 + 40, t0 + 80, t0 + 120]);
  });

  it("resolves again when the TTL runs out, when that is sooner than intervalMs", async () => {
    const { queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 2 }], 10_000, 40);
    await advance(4_500);
    expect(queries).toEqual([t0, t0 + 2_000, t0 + 4_000]);
  });

  it("every intervalMs at the latest, whatever the TTL", async () => {
    const { queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 3600 }], 30, 10);
    await advance(100);
    expect(queries).toEqual([t0, t0 + 30, t0 + 60, t0 + 90]);
  });

  it("requestResolution: soon, rate-limited by minIntervalMs", async () => {
    const { resolver, queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 3600 }], 10_000, 50);
    await advance(5);
    resolver.requestResolution();
    resolver.requestResolution(); // a second request in the same window adds nothing
    await advance(44);
    expect(queries).toEqual([t0]); // still within minIntervalMs of the first
    await advance(1);
    expect(queries).toEqual([t0, t0 + 50]);
    await advance(1_000);
    expect(queries).toHaveLength(2); // then back to the TTL/interval schedule
  });

  it("an error is reported and retried after minIntervalMs, doubling while it keeps failing", async () => {
    const failure = new Error("cannot resolve: ESERVFAIL");
    const { reports, queries } = run([failure, failure, failure, { ips: ["10.0.0.9"], ttlSeconds: 60 }]);
    await advance(200);
    // minIntervalMs 20: retried after 20, then 40, then 80 ms.
    expect(queries).toEqual([t0, t0 + 20, t0 + 60, t0 + 140]);
    expect(reports).toEqual([
      "cannot resolve: ESERVFAIL",
      "cannot resolve: ESERVFAIL",
      "cannot resolve: ESERVFAIL",
      ["10.0.0.9 svc.demo.svc.cluster.local:50052"],
    ]);
  });

  it("close stops every further query", async () => {
    const { resolver, queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 0 }], 10_000, 40);
    await advance(0);
    resolver.close();
    await advance(1_000);
    expect(queries).toEqual([t0]);
  });
});
