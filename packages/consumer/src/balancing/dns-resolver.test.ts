import { afterEach, describe, expect, it } from "vitest";
import type { AddressAnswer } from "./dns-query.js";
import { createDnsResolver } from "./dns-resolver.js";
import type { NameResolver, ResolvedAddress } from "./resolver.js";

const resolvers: NameResolver[] = [];
afterEach(() => {
  for (const r of resolvers.splice(0)) r.close();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    await sleep(5);
    expect(reports).toEqual([
      ["10.0.0.1 svc.demo.svc.cluster.local:50052", "10.0.0.2 svc.demo.svc.cluster.local:50052"],
    ]);
  });

  it("resolves again when the TTL runs out, but not more often than minIntervalMs", async () => {
    const { queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 0 }], 10_000, 40);
    await sleep(150);
    expect(queries.length).toBeGreaterThanOrEqual(3);
    expect(queries.length).toBeLessThanOrEqual(5);
  });

  it("every intervalMs at the latest, whatever the TTL", async () => {
    const { queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 3600 }], 30, 10);
    await sleep(100);
    expect(queries.length).toBeGreaterThanOrEqual(2);
    expect((queries[1] ?? 0) - (queries[0] ?? 0)).toBeGreaterThanOrEqual(29);
  });

  it("requestResolution: soon, rate-limited by minIntervalMs", async () => {
    const { resolver, queries } = run([{ ips: ["10.0.0.1"], ttlSeconds: 3600 }], 10_000, 50);
    await sleep(5);
    resolver.requestResolution();
    resolver.requestResolution();
    await sleep(20);
    expect(queries).toHaveLength(1); // within minIntervalMs of the first
    await sleep(60);
    expect(queries).toHaveLength(2);
  });

  it("an error is reported and retried after minIntervalMs", async () => {
    const { reports, queries } = run([new Error("cannot resolve: ESERVFAIL"), { ips: ["10.0.0.9"], ttlSeconds: 60 }]);
    await sleep(60);
    expect(queries.length).toBe(2);
    expect(reports).toEqual(["cannot resolve: ESERVFAIL", ["10.0.0.9 svc.demo.svc.cluster.local:50052"]]);
  });
});
