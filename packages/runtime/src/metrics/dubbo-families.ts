import type * as PromClient from "prom-client";
import type { RpcSeries } from "./rpc-series.js";
import type { RtSnapshot } from "./rt-window.js";
import type { SideRecorder } from "./side-recorder.js";

/** prom-client's module, as `import("prom-client")` resolves it. */
export type PromClientModule = typeof PromClient;

/** Dubbo's label names of an RPC series, in exposition order. */
export const rpcLabelNames = [
  "application_name",
  "application_version",
  "hostname",
  "ip",
  "interface",
  "method",
  "group",
  "version",
] as const;

/** The two sides Dubbo names its RPC metrics after: `dubbo_provider_*` and `dubbo_consumer_*`. */
export type RpcSide = "provider" | "consumer";

type SeriesValue = (series: RpcSeries, snapshot: () => RtSnapshot) => number;

// Dubbo's names (MetricsKey: `dubbo.%s.requests.total` -> dubbo_provider_requests_total, ...) and descriptions.
// Counters: only go up. requests_total counts calls as they start; the others as they finish.
const counters: ReadonlyArray<readonly [suffix: string, help: string, value: SeriesValue]> = [
  ["requests_total", "Total Requests", (s) => s.requests],
  ["requests_succeed_total", "Total Succeed Requests", (s) => s.outcomes[0] ?? 0],
  ["requests_business_failed_total", "Total Failed Business Requests", (s) => s.outcomes[1] ?? 0],
  ["requests_timeout_total", "Total Timeout Failed Requests", (s) => s.outcomes[2] ?? 0],
  ["requests_limit_total", "Total Limit Failed Requests", (s) => s.outcomes[3] ?? 0],
  ["requests_failed_network_total", "Total network Failed Requests", (s) => s.outcomes[4] ?? 0],
  ["requests_failed_service_unavailable_total", "Total Service Unavailable Failed Requests", (s) => s.outcomes[5] ?? 0],
  ["requests_failed_codec_total", "Total Codec Failed Requests", (s) => s.outcomes[6] ?? 0],
  ["requests_unknown_failed_total", "Total Unknown Failed Requests", (s) => s.outcomes[7] ?? 0],
  ["requests_failed_total", "Total Failed Requests", (s) => s.failed()],
];

// Gauges. Min, max, avg, the quantiles and QPS are over the sliding window (RtWindow); last and sum since start.
const gauges: ReadonlyArray<readonly [suffix: string, help: string, value: SeriesValue]> = [
  ["requests_processing_total", "Processing Requests", (s) => s.processing],
  ["qps_total", "Query Per Seconds", (_, w) => w().count / Math.max(1, w().coveredMs / 1000)],
  ["rt_milliseconds_last", "Last Response Time", (s) => s.rtLast],
  ["rt_milliseconds_min", "Min Response Time", (_, w) => w().min],
  ["rt_milliseconds_max", "Max Response Time", (_, w) => w().max],
  ["rt_milliseconds_sum", "Sum Response Time", (s) => s.rtSum],
  ["rt_milliseconds_avg", "Average Response Time", (_, w) => w().sum / w().count],
  ["rt_milliseconds_p50", "Response Time P50", (_, w) => w().quantile(0.5)],
  ["rt_milliseconds_p90", "Response Time P90", (_, w) => w().quantile(0.9)],
  ["rt_milliseconds_p95", "Response Time P95", (_, w) => w().quantile(0.95)],
  ["rt_milliseconds_p99", "Response Time P99", (_, w) => w().quantile(0.99)],
];

/** What the families read: each side's recorder, the fixed labels, the histogram bounds. */
export interface DubboFamiliesSource {
  readonly sides: Readonly<Record<RpcSide, SideRecorder>>;
  /** application_name, application_version, hostname, ip. */
  readonly baseLabels: Readonly<Record<string, string>>;
  readonly rtBucketsMs: readonly number[];
}

/**
 * registerDubboFamilies adds Dubbo's metric families to a prom-client registry: for each side the counters, gauges
 * and response-time histogram of every RPC series, and `dubbo_application_info_total`. Every value is read from the
 * recorders when the registry is scraped (prom-client's `collect`), so the call path never touches prom-client.
 */
export function registerDubboFamilies(
  prom: PromClientModule,
  registry: PromClient.Registry,
  source: DubboFamiliesSource,
) {
  const labelNames = [...rpcLabelNames];
  const info = new prom.Gauge({
    name: "dubbo_application_info_total",
    help: "Total Application Info",
    labelNames: Object.keys(source.baseLabels),
    registers: [registry],
  });
  info.set(source.baseLabels, 1);
  const SeriesHistogram = seriesHistogramClass(prom);
  for (const side of ["provider", "consumer"] as const) {
    const recorder = source.sides[side];
    const snapshots = new SnapshotCache(recorder);
    for (const [suffix, help, value] of counters) {
      new prom.Counter({
        name: `dubbo_${side}_${suffix}`,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of recorder.series)
            this.inc(
              s.labels,
              value(s, () => snapshots.of(s)),
            );
        },
      });
    }
    for (const [suffix, help, value] of gauges) {
      new prom.Gauge({
        name: `dubbo_${side}_${suffix}`,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of recorder.series) {
            const v = value(s, () => snapshots.of(s));
            // No sample for a value that is not known yet (no call in the window, none finished).
            if (Number.isFinite(v)) this.set(s.labels, v);
          }
        },
      });
    }
    const histogram = new SeriesHistogram(
      {
        name: `dubbo_${side}_rt_milliseconds_histogram`,
        help: "Response Time Histogram",
        labelNames,
        buckets: [...source.rtBucketsMs],
        registers: [registry],
      },
      recorder,
      source.rtBucketsMs,
    );
    void histogram;
  }
}

/** One window snapshot per series per scrape: every windowed gauge of a scrape reads the same moment. */
class SnapshotCache {
  readonly #recorder: SideRecorder;
  readonly #cache = new WeakMap<RpcSeries, { at: number; snapshot: RtSnapshot }>();

  constructor(recorder: SideRecorder) {
    this.#recorder = recorder;
  }

  of(series: RpcSeries): RtSnapshot {
    const now = this.#recorder.now();
    const hit = this.#cache.get(series);
    // A scrape reads all gauges within a few ms; a later one sees fresh values.
    if (hit !== undefined && now - hit.at < 100) return hit.snapshot;
    const snapshot = series.window.snapshot(now);
    this.#cache.set(series, { at: now, snapshot });
    return snapshot;
  }
}

type HistogramObject = Awaited<ReturnType<PromClient.Histogram<string>["get"]>>;

/**
 * A prom-client Histogram whose samples are the recorders' own bucket counts: the exposition (type, `_bucket` with
 * `le`, `_sum`, `_count`) is prom-client's, the counting is done per call by RpcSeries without hashing labels.
 */
function seriesHistogramClass(prom: PromClientModule) {
  return class SeriesHistogram extends prom.Histogram<string> {
    readonly #name: string;
    readonly #help: string;
    readonly #recorder: SideRecorder;
    readonly #bounds: readonly number[];

    constructor(config: PromClient.HistogramConfiguration<string>, recorder: SideRecorder, bounds: readonly number[]) {
      super(config);
      this.#name = config.name;
      this.#help = config.help;
      this.#recorder = recorder;
      this.#bounds = bounds;
    }

    override async get(): Promise<HistogramObject> {
      const values: HistogramObject["values"] = [];
      for (const s of this.#recorder.series) {
        let cumulative = 0;
        this.#bounds.forEach((bound, i) => {
          cumulative += s.rtBuckets[i] ?? 0;
          values.push({ labels: { ...s.labels, le: bound }, value: cumulative, metricName: `${this.#name}_bucket` });
        });
        const count = cumulative + (s.rtBuckets[this.#bounds.length] ?? 0);
        values.push({ labels: { ...s.labels, le: "+Inf" }, value: count, metricName: `${this.#name}_bucket` });
        values.push({ labels: s.labels, value: s.rtSum, metricName: `${this.#name}_sum` });
        values.push({ labels: s.labels, value: count, metricName: `${this.#name}_count` });
      }
      // prom-client declares `type` as an enum it does not export; its registry prints the string.
      const object = { name: this.#name, help: this.#help, type: "histogram", aggregator: "sum", values };
      return object as unknown as HistogramObject;
    }

    /** What prom-client's registry renders text from (it prefers this to `get`). */
    getForPromString() {
      return this.get();
    }
  };
}
