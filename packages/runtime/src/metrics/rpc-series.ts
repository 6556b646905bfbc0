import { outcomeKinds } from "./rpc-outcome.js";
import { RtWindow, type RtWindowOptions } from "./rt-window.js";

/** The label values of one series, by Dubbo's label names. */
export type SeriesLabels = Readonly<Record<string, string>>;

/**
 * The upper bounds of the response-time histogram, in ms: 1 ms to 10 s, about 1-2.5-5 per decade (the Prometheus
 * client's default bounds, in ms and extended down to 1 ms for fast in-cluster calls).
 */
export const defaultRtBucketsMs: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/**
 * RpcSeries is what one side records for one (interface, method, version, group): plain numbers that a call updates
 * with a few additions, read into the Prometheus families when metrics are scraped. Nothing here hashes labels.
 */
export class RpcSeries {
  /** The label values, fixed when the series is created. */
  readonly labels: SeriesLabels;
  /** Calls started (`requests_total`, counted at the start as Dubbo does). */
  requests = 0;
  /** Calls started and not finished yet (`requests_processing_total`). */
  processing = 0;
  /** Finished calls by outcome, indexed as outcomeKinds (0 = succeed). */
  readonly outcomes = new Float64Array(outcomeKinds.length);
  /** Response time of the last finished call, ms. */
  rtLast = Number.NaN;
  /** Sum of every response time, ms. */
  rtSum = 0;
  /** Histogram counts per bucket (not cumulative); the last one is above every bound. */
  readonly rtBuckets: Float64Array;
  /** Response times over the sliding window, for min, max, avg, quantiles and QPS. */
  readonly window: RtWindow;
  readonly #bounds: readonly number[];

  /** Creates an empty series with these labels and histogram bounds (ms). */
  constructor(labels: SeriesLabels, bounds: readonly number[], window: RtWindowOptions) {
    this.labels = labels;
    this.#bounds = bounds;
    this.rtBuckets = new Float64Array(bounds.length + 1);
    this.window = new RtWindow(window);
  }

  /** complete records a finished call: its outcome index, response time (ms) and the time it finished (ms). */
  complete(outcome: number, ms: number, now: number): void {
    this.processing--;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.rtLast = ms;
    this.rtSum += ms;
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && ms > (bounds[bucket] as number)) bucket++;
    this.rtBuckets[bucket] = (this.rtBuckets[bucket] ?? 0) + 1;
    this.window.record(ms, now);
  }

  /** Finished calls that failed, of any kind (`requests_failed_total`). */
  failed(): number {
    let sum = 0;
    for (let i = 1; i < this.outcomes.length; i++) sum += this.outcomes[i] ?? 0;
    return sum;
  }
}
