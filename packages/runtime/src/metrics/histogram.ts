import { LabeledSeries, type MetricFamily, type MetricFamilyOptions } from "./metric-family.js";
import { formatFamilyHeader, formatLabels, formatSampleValue } from "./prometheus-text.js";

/**
 * The default upper bounds, in seconds, for RPC latency: 1 ms to 10 s, roughly 1-2.5-5 per decade
 * (the Prometheus client defaults, extended down to 1 ms for fast in-cluster calls).
 */
export const defaultDurationBuckets: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Options of a histogram family. */
export interface HistogramOptions extends MetricFamilyOptions {
  /** Finite bucket upper bounds, strictly increasing; `+Inf` is implied. Default defaultDurationBuckets. */
  buckets?: readonly number[];
}

interface HistogramSeries {
  /** Non-cumulative counts per finite bucket; the +Inf bucket is `count`. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Histogram is a Prometheus histogram family: per-label-set bucket counts, sum and count of observations. */
export class Histogram implements MetricFamily {
  readonly name: string;
  readonly buckets: readonly number[];
  readonly #help: string;
  readonly #series: LabeledSeries<HistogramSeries>;

  /** Creates a histogram family; names and buckets are validated. */
  constructor(options: HistogramOptions) {
    this.name = options.name;
    this.#help = options.help;
    this.buckets = [...(options.buckets ?? defaultDurationBuckets)];
    this.buckets.forEach((bound, index) => {
      const previous = this.buckets[index - 1];
      if (!Number.isFinite(bound) || (previous !== undefined && bound <= previous)) {
        throw new Error(`histogram ${this.name}: buckets must be finite and strictly increasing`);
      }
    });
    this.#series = new LabeledSeries(options);
  }

  /** observe records one value (for RPC durations: seconds) in the series with these label values. */
  observe(labelValues: readonly string[], value: number): void {
    const series = this.#series.get(labelValues, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) {
      series.counts[index] = (series.counts[index] ?? 0) + 1;
    }
    series.sum += value;
    series.count += 1;
  }

  /** render returns HELP, TYPE and, per series, cumulative `_bucket` samples, `_sum` and `_count`. */
  render(): string {
    let out = formatFamilyHeader(this.name, this.#help, "histogram");
    for (const { labels, value } of this.#series.entries()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += value.counts[index] ?? 0;
        const le = formatLabels([...labels, ["le", formatSampleValue(bound)]]);
        out += `${this.name}_bucket${le} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${formatLabels([...labels, ["le", "+Inf"]])} ${value.count}\n`;
      out += `${this.name}_sum${formatLabels(labels)} ${formatSampleValue(value.sum)}\n`;
      out += `${this.name}_count${formatLabels(labels)} ${value.count}\n`;
    }
    return out;
  }
}
