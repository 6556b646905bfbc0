import { describe, expect, it } from "vitest";
import { RtWindow } from "./rt-window.js";

describe("RtWindow", () => {
  it("min, max, sum exactly and quantiles within 2% over the window", () => {
    const w = new RtWindow();
    for (let i = 1; i <= 1000; i++) w.record(i / 10, 5_000); // 0.1 ms .. 100 ms
    const s = w.snapshot(5_000);
    expect(s.count).toBe(1000);
    expect(s.min).toBe(0.1);
    expect(s.max).toBe(100);
    expect(s.sum).toBeCloseTo(50_050, 6);
    for (const [q, exact] of [
      [0.5, 50],
      [0.9, 90],
      [0.95, 95],
      [0.99, 99],
    ] as const) {
      expect(Math.abs(s.quantile(q) - exact) / exact).toBeLessThan(0.02);
    }
    expect(s.quantile(1)).toBe(100);
  });

  it("forgets slices older than the window, one slice at a time", () => {
    const w = new RtWindow({ windowMs: 10_000, slices: 10 });
    w.record(500, 0); // slice 0
    w.record(1, 5_500); // slice 5
    expect(w.snapshot(9_999)).toMatchObject({ count: 2, min: 1, max: 500, coveredMs: 9_999 });
    const later = w.snapshot(10_000); // slice 0 has left the window
    expect(later).toMatchObject({ count: 1, min: 1, max: 1, coveredMs: 10_000 });
    expect(later.quantile(0.99)).toBe(1);
    w.record(7, 20_000); // reuses slice 0's place; slice 5 is gone too
    expect(w.snapshot(20_000)).toMatchObject({ count: 1, min: 7, max: 7 });
  });

  it("is empty before the first call and after the window has passed", () => {
    const w = new RtWindow({ windowMs: 1_000, slices: 2 });
    const empty = w.snapshot(0);
    expect(empty.count).toBe(0);
    expect(empty.min).toBeNaN();
    expect(empty.quantile(0.5)).toBeNaN();
    expect(empty.coveredMs).toBe(0);
    w.record(3, 100);
    expect(w.snapshot(2_000).count).toBe(0);
  });

  it("bins values below 1 µs and beyond hours without losing them", () => {
    const w = new RtWindow();
    w.record(0, 1);
    w.record(1e9, 1);
    const s = w.snapshot(1);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(1)).toBe(1e9);
  });

  it("rejects a bad shape", () => {
    expect(() => new RtWindow({ windowMs: 0 })).toThrow("windowMs must be > 0");
    expect(() => new RtWindow({ slices: 1.5 })).toThrow("slices a positive integer");
  });
});
