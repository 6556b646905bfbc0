import { describe, expect, it } from "vitest";
import { BalancerRegistry } from "./balancer-registry.js";
import { leastRequest } from "./least-request.js";
import { roundRobin } from "./round-robin.js";

const endpoints = (...inFlight: number[]) => inFlight.map((n, i) => ({ address: `10.0.0.${i}:1`, inFlight: n }));

describe("round_robin", () => {
  it("visits every endpoint once per round, in order from a random start", () => {
    const eps = endpoints(0, 0, 0);
    const picker = roundRobin().picker(eps);
    const picks = Array.from({ length: 9 }, () => picker.pick());
    for (let round = 0; round < 3; round++) {
      expect(new Set(picks.slice(round * 3, round * 3 + 3)).size).toBe(3);
    }
    expect(picks.slice(3)).toEqual([...picks.slice(0, 3), ...picks.slice(0, 3)]);
  });

  it("a picker's set is fixed: changing the input array later changes nothing", () => {
    const eps = endpoints(0, 0);
    const picker = roundRobin().picker(eps);
    eps.pop();
    expect(new Set(Array.from({ length: 4 }, () => picker.pick().address)).size).toBe(2);
  });
});

describe("least_request (power of two choices)", () => {
  it("of two, always the one with fewer calls in flight", () => {
    const eps = endpoints(5, 0);
    const picker = leastRequest().picker(eps);
    for (let i = 0; i < 50; i++) expect(picker.pick()).toBe(eps[1]);
  });

  it("never the most loaded of three (the two choices are distinct), the others about equally", () => {
    const eps = endpoints(1, 9, 1);
    const picker = leastRequest().picker(eps);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[eps.indexOf(picker.pick())] = (counts[eps.indexOf(picker.pick())] ?? 0) + 1;
    expect(counts[1]).toBe(0);
    expect(Math.abs((counts[0] ?? 0) - (counts[2] ?? 0))).toBeLessThan(400);
  });

  it("reads the live in-flight counts: the picker set is fixed, the load is not", () => {
    const eps = endpoints(0, 0);
    const picker = leastRequest().picker(eps);
    (eps[0] as { inFlight: number }).inFlight = 3;
    for (let i = 0; i < 20; i++) expect(picker.pick()).toBe(eps[1]);
  });

  it("one endpoint: that one", () => {
    const eps = endpoints(7);
    expect(leastRequest().picker(eps).pick()).toBe(eps[0]);
  });
});

describe("BalancerRegistry", () => {
  it("knows the built-ins by gRPC's and Dubbo's names, and custom ones per instance", () => {
    const custom = () => roundRobin();
    const a = new BalancerRegistry({ mine: custom });
    expect(a.get("round_robin")).toBeTypeOf("function");
    expect(a.get("roundrobin")).toBe(a.get("round_robin"));
    expect(a.get("p2c")).toBe(a.get("least_request"));
    expect(a.get("mine")).toBe(custom);
    expect(() => new BalancerRegistry().get("mine")).toThrow(
      /unknown load balancer "mine" \(known: round_robin, least_request\)/,
    );
  });
});
