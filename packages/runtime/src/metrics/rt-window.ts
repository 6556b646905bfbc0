/** Options of an RtWindow. */
export interface RtWindowOptions {
  /** Length of the window in ms. Default 120000 (Dubbo's `dubbo.metrics.aggregation.time-window-seconds`, 120). */
  windowMs?: number;
  /** Number of slices the window moves by. Default 10 (Dubbo's `dubbo.metrics.aggregation.bucket-num`). */
  slices?: number;
}

/** What an RtWindow holds at one moment: count, sum, extremes and quantiles over the live slices. */
export interface RtSnapshot {
  /** Calls completed in the window. */
  readonly count: number;
  /** Their response times' sum, ms. */
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** How long the window has been filling, ms: its length, or less since the first call. */
  readonly coveredMs: number;
  /** The `q` quantile (0..1) in ms, within ±2% (relative) of the exact value; NaN for an empty window. */
  quantile(q: number): number;
}

// Response times are binned on a logarithmic scale (bin i holds values up to lowest * growth^i): a relative error of
// (growth - 1) / (growth + 1), under 2%, for any value, at one Math.log per call; 1 µs to ~4 hours in 600 bins.
const lowest = 0.001;
const growth = 1.04;
const perLog = 1 / Math.log(growth);
const binCount = 600;

class Slice {
  /** Which slice of time this is (`now / sliceMs`, floored); -1 when unused. */
  epoch = -1;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  bins: Uint32Array | undefined;

  reset(epoch: number): void {
    this.epoch = epoch;
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.bins?.fill(0);
  }
}

/**
 * RtWindow keeps response times over a sliding time window — a ring of slices, each with count, sum, min, max and a
 * log-scale histogram — so that min, max, average and quantiles over the last two minutes are computed when metrics
 * are read, not per call. Recording costs one slice check, a few additions and one logarithm.
 */
export class RtWindow {
  readonly #slices: Slice[];
  readonly #sliceMs: number;
  readonly #windowMs: number;
  #firstAt: number | undefined;

  /** Creates an empty window; the slices' histograms are allocated on first use. */
  constructor(options: RtWindowOptions = {}) {
    const windowMs = options.windowMs ?? 120_000;
    const slices = options.slices ?? 10;
    if (!(windowMs > 0) || !Number.isInteger(slices) || slices < 1) {
      throw new Error(`RtWindow: windowMs must be > 0 and slices a positive integer (got ${windowMs}, ${slices})`);
    }
    this.#windowMs = windowMs;
    this.#sliceMs = windowMs / slices;
    this.#slices = Array.from({ length: slices }, () => new Slice());
  }

  /** record adds one response time `ms` completed at time `now` (ms, monotonic). */
  record(ms: number, now: number): void {
    const epoch = Math.floor(now / this.#sliceMs);
    const slices = this.#slices;
    const slice = slices[epoch % slices.length] as Slice;
    if (slice.epoch !== epoch) slice.reset(epoch);
    this.#firstAt ??= now;
    slice.count++;
    slice.sum += ms;
    if (ms < slice.min) slice.min = ms;
    if (ms > slice.max) slice.max = ms;
    slice.bins ??= new Uint32Array(binCount);
    const bin = ms <= lowest ? 0 : Math.min(binCount - 1, Math.ceil(Math.log(ms / lowest) * perLog));
    slice.bins[bin] = (slice.bins[bin] ?? 0) + 1;
  }

  /** snapshot reads the window at time `now`: only slices younger than the window count. */
  snapshot(now: number): RtSnapshot {
    const current = Math.floor(now / this.#sliceMs);
    const live = this.#slices.filter((s) => s.epoch > current - this.#slices.length && s.epoch <= current);
    let count = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const bins = new Float64Array(binCount);
    for (const s of live) {
      count += s.count;
      sum += s.sum;
      min = Math.min(min, s.min);
      max = Math.max(max, s.max);
      if (s.bins) for (let i = 0; i < binCount; i++) bins[i] = (bins[i] ?? 0) + (s.bins[i] ?? 0);
    }
    const coveredMs = this.#firstAt === undefined ? 0 : Math.min(this.#windowMs, now - this.#firstAt);
    return {
      count,
      sum,
      min: count > 0 ? min : Number.NaN,
      max: count > 0 ? max : Number.NaN,
      coveredMs,
      quantile: (q) => quantileOf(bins, count, q, min, max),
    };
  }
}

function quantileOf(bins: Float64Array, count: number, q: number, min: number, max: number): number {
  if (count === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * count));
  if (rank >= count) return max;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i] ?? 0;
    if (seen >= rank) {
      if (i === bins.length - 1) return max; // the last bin is open-ended
      // The bin's centre, (lower + upper) / 2 in relative terms, clamped to what was actually seen.
      // Bin 0 holds everything up to 1 µs: the smallest value seen is as good an estimate as any.
      const estimate = i === 0 ? min : (lowest * growth ** i * 2) / (1 + growth);
      return Math.min(max, Math.max(min, estimate));
    }
  }
  return max;
}
