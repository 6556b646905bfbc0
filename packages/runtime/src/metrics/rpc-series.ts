import { outcomeKinds, outcomeOf, type RpcFailureKind } from "./rpc-outcome.js";
import { RtWindow, type RtWindowOptions } from "./rt-window.js";

/** The label values of one series, by Dubbo's label names. */
export type SeriesLabels = Readonly<Record<string, string>>;

/**
 * The upper bounds of the response-time histogram, in ms: 1 ms to 10 s, about 1-2.5-5 per decade (the Prometheus
 * client's default bounds, in ms and extended down to 1 ms for fast in-cluster calls).
 */
export const defaultRtBucketsMs: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/**
 * RpcMeter is how a call records itself in the metrics: `start` when it starts, then `end` exactly once with the start
 * time `start` returned. The caller keeps that number (on its own call object) and makes sure it ends once: nothing is
 * allocated per call, so the metrics of a fast call cost a few additions. See RpcMetrics.meter.
 *
 * @example
 * const meter = metrics.meter("greet.v1.GreeterService", "Greet", "1.0.0");
 * const startedAt = meter.start();
 * // ... serve the call ...
 * meter.end(startedAt, Code.NotFound);
 */
export interface RpcMeter {
  /** Counts a call as started and processing; returns the time it started, to pass to `end`. */
  start(): number;
  /**
   * Counts the call started at `startedAt` (what `start` returned) as finished with its gRPC status code, as a number
   * (`Code.NotFound`) or a name (`OK`, `NotFound`, `NOT_FOUND`), and, when the engine knows better than the code, the
   * kind of failure (`business` when the handler threw, `codec` when a message failed to (de)serialize, ...; see
   * RpcFailureKind). Once per `start`: a second `end` would count the call twice.
   */
  end(startedAt: number, code: number | string, kind?: RpcFailureKind): void;
}

/**
 * RpcSeries is what one side records for one (interface, method, version, group): plain numbers that a call updates
 * with a few additions, read into the Prometheus families when metrics are scraped. Nothing here hashes labels. It is
 * the RpcMeter of the calls it counts.
 */
export class RpcSeries implements RpcMeter {
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
  readonly #now: () => number;

  /** Creates an empty series with these labels, histogram bounds (ms) and monotonic clock (ms). */
  constructor(labels: SeriesLabels, bounds: readonly number[], window: RtWindowOptions, now: () => number) {
    this.labels = labels;
    this.#bounds = bounds;
    this.#now = now;
    this.rtBuckets = new Float64Array(bounds.length + 1);
    this.window = new RtWindow(window);
  }

  /** See RpcMeter.start. */
  start(): number {
    this.requests++;
    this.processing++;
    return this.#now();
  }

  /** See RpcMeter.end. */
  end(startedAt: number, code: number | string, kind?: RpcFailureKind): void {
    const now = this.#now();
    const ms = Math.max(0, now - startedAt);
    const outcome = outcomeOf(code, kind);
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
