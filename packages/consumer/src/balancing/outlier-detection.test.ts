import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultOutlierDetection, OutlierDetector, type OutlierState } from "./outlier-detection.js";

// Time-driven unit: fake timers, so ejection times are checked to the millisecond.
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const endpoint = (): OutlierState => ({
  ejectedUntil: undefined,
  consecutiveFailures: 0,
  ejectionsInARow: 0,
  ejections: 0,
  lastError: undefined,
});

/** A detector over `n` endpoints whose host records every change it is told of. */
function detector(n: number, options = {}) {
  const endpoints = Array.from({ length: n }, endpoint);
  const changes: number[] = [];
  const od = new OutlierDetector(
    {
      ...defaultOutlierDetection,
      consecutiveFailures: 3,
      baseEjectionTimeMs: 1000,
      maxEjectionTimeMs: 3000,
      ...options,
    },
    { endpoints: () => endpoints, changed: (e) => changes.push(endpoints.indexOf(e)) },
  );
  /** The cluster's part: count the failure, then tell the detector. */
  const fail = (e: OutlierState, times = 1) => {
    for (let i = 0; i < times; i++) {
      e.consecutiveFailures++;
      od.failed(e);
    }
  };
  return { od, endpoints, changes, fail };
}

describe("OutlierDetector", () => {
  it("ejects after consecutiveFailures for the base time, then brings the endpoint back", () => {
    const { endpoints, changes, fail } = detector(2);
    const [a] = endpoints as [OutlierState];
    fail(a, 2);
    expect(a.ejectedUntil).toBeUndefined();
    fail(a);
    expect(a.ejectedUntil).toBe(1_000_000 + 1000);
    expect(a.lastError).toBe("ejected for 1000 ms after 3 consecutive UNAVAILABLE failures");
    expect(changes).toEqual([0]);
    vi.advanceTimersByTime(999);
    expect(a.ejectedUntil).toBeDefined();
    vi.advanceTimersByTime(1);
    expect(a.ejectedUntil).toBeUndefined();
    expect(changes).toEqual([0, 0]);
  });

  it("ejections in a row double up to maxEjectionTimeMs; a success starts over", () => {
    const { od, endpoints, fail } = detector(2);
    const [a] = endpoints as [OutlierState];
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      fail(a, 3);
      times.push((a.ejectedUntil ?? 0) - Date.now());
      vi.advanceTimersByTime(times.at(-1) ?? 0);
    }
    expect(times).toEqual([1000, 2000, 3000]);
    od.succeeded(a);
    fail(a, 3);
    expect((a.ejectedUntil ?? 0) - Date.now()).toBe(1000);
  });

  it("maxEjectionPercent: 10 % of 2 endpoints is one at a time; of 20, two", () => {
    const two = detector(2);
    two.fail(two.endpoints[0] as OutlierState, 3);
    two.fail(two.endpoints[1] as OutlierState, 3);
    expect(two.endpoints.map((e) => e.ejectedUntil !== undefined)).toEqual([true, false]);
    const twenty = detector(20);
    for (const e of twenty.endpoints.slice(0, 3)) twenty.fail(e, 3);
    expect(twenty.endpoints.filter((e) => e.ejectedUntil !== undefined)).toHaveLength(2);
  });

  it("an endpoint that left the target (forget) or a closed detector gets no return timer", () => {
    const { od, endpoints, changes, fail } = detector(3);
    const [a] = endpoints as [OutlierState];
    fail(a, 3);
    od.forget(a);
    vi.advanceTimersByTime(10_000);
    expect(changes).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
    const b = endpoints[1] as OutlierState;
    fail(b, 3);
    od.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
