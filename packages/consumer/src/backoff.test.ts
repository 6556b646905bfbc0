import { describe, expect, it } from "vitest";
import { backoffDelay, defaultBackoff } from "./backoff.js";

describe("backoffDelay: full jitter", () => {
  const max = { ...defaultBackoff, random: () => 0.999999 };
  it("ceilings grow 25, 50, 100 ... and stop at 1000 ms", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, max))).toEqual([24, 49, 99, 199, 399, 799, 999, 999]);
  });
  it("waits a uniformly random part of the ceiling", () => {
    expect(backoffDelay(3, { ...defaultBackoff, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...defaultBackoff, random: () => 0.5 })).toBe(50);
  });
});
