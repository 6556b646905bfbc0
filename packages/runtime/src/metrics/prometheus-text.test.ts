import { describe, expect, it } from "vitest";
import {
  Counter,
  escapeHelp,
  escapeLabelValue,
  formatLabels,
  formatSampleValue,
  Gauge,
  Histogram,
  MetricsRegistry,
} from "./index.js";

describe("prometheus text format", () => {
  it("escapes label values and help text", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
  });

  it("formats labels and special values", () => {
    expect(formatLabels([])).toBe("");
    expect(
      formatLabels([
        ["a", "x"],
        ["b", "y"],
      ]),
    ).toBe('{a="x",b="y"}');
    expect(formatSampleValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatSampleValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatSampleValue(Number.NaN)).toBe("NaN");
    expect(formatSampleValue(1.5e-7)).toBe("1.5e-7");
  });

  it("renders families without labels", () => {
    const registry = new MetricsRegistry();
    registry.register(new Counter({ name: "jobs_total", help: "Jobs.\nAll of them." })).inc([], 3);
    registry.register(new Gauge({ name: "temperature", help: "Degrees." })).set([], -1.5);
    const h = registry.register(new Histogram({ name: "size_bytes", help: "Sizes.", buckets: [10] }));
    h.observe([], 4);
    h.observe([], 40);
    expect(registry.render()).toBe(
      [
        "# HELP jobs_total Jobs.\\nAll of them.",
        "# TYPE jobs_total counter",
        "jobs_total 3",
        "# HELP temperature Degrees.",
        "# TYPE temperature gauge",
        "temperature -1.5",
        "# HELP size_bytes Sizes.",
        "# TYPE size_bytes histogram",
        'size_bytes_bucket{le="10"} 1',
        'size_bytes_bucket{le="+Inf"} 2',
        "size_bytes_sum 44",
        "size_bytes_count 2",
        "",
      ].join("\n"),
    );
  });

  it("validates names, label counts, buckets and counter increments", () => {
    expect(() => new Counter({ name: "bad-name", help: "" })).toThrow("invalid metric name");
    expect(() => new Counter({ name: "x", help: "", labelNames: ["le"] })).toThrow("invalid label name");
    expect(() => new Counter({ name: "x", help: "", labelNames: ["__a"] })).toThrow("invalid label name");
    expect(() => new Histogram({ name: "h", help: "", buckets: [1, 1] })).toThrow("strictly increasing");
    const counter = new Counter({ name: "c", help: "", labelNames: ["a"] });
    expect(() => counter.inc([])).toThrow("expected 1 label values (a), got 0");
    expect(() => counter.inc(["x"], -1)).toThrow("cannot increase");
    const registry = new MetricsRegistry();
    registry.register(counter);
    expect(() => registry.register(new Gauge({ name: "c", help: "" }))).toThrow("already registered");
  });

  it("reading a value does not create a series", () => {
    const counter = new Counter({ name: "c", help: "h", labelNames: ["a"] });
    expect(counter.value(["x"])).toBe(0);
    expect(counter.render()).toBe("# HELP c h\n# TYPE c counter\n");
  });
});
