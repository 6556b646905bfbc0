/**
 * Outlier detection (gRPC's `outlierDetection` failure-percentage's simpler sibling; Envoy's `consecutive_5xx`):
 * an endpoint whose calls fail N times in a row with UNAVAILABLE is taken out of rotation for a while, even when its
 * health service still says SERVING (a provider that answers health checks but not calls).
 */
export interface OutlierDetectionOptions {
  /** Consecutive UNAVAILABLE attempts that eject an endpoint (Envoy `consecutive_5xx`). Default 5. */
  consecutiveFailures: number;
  /** Ejection time of a first ejection, in ms (Envoy `base_ejection_time`, gRPC `baseEjectionTime`). Default 30000. */
  baseEjectionTimeMs: number;
  /** Longest ejection, in ms (Envoy `max_ejection_time`, gRPC `maxEjectionTime`). Default 300000. */
  maxEjectionTimeMs: number;
  /**
   * At most this percentage of a target's endpoints is ejected at once, but one always may be (Envoy and gRPC
   * `max_ejection_percent`). Default 10: with fewer than 20 endpoints, one at a time.
   */
  maxEjectionPercent: number;
}

/** Defaults of `OutlierDetectionOptions`: 5 failures, 30 s doubling up to 300 s, 10 %. */
export const defaultOutlierDetection: Readonly<OutlierDetectionOptions> = {
  consecutiveFailures: 5,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
};

/**
 * How long the `times`-th ejection in a row lasts (1 for the first): the base time doubled per earlier ejection,
 * capped. "In a row" = without a successful call in between.
 */
export function ejectionTimeMs(options: OutlierDetectionOptions, times: number): number {
  return Math.min(options.maxEjectionTimeMs, options.baseEjectionTimeMs * 2 ** Math.max(0, times - 1));
}

/** Whether one more of `total` endpoints may be ejected while `ejected` already are. */
export function mayEject(options: OutlierDetectionOptions, ejected: number, total: number): boolean {
  return ejected === 0 || ejected * 100 < options.maxEjectionPercent * total;
}

/** What outlier detection needs of the cluster whose endpoints it ejects. */
export interface OutlierHost<E> {
  /** Every endpoint of the target now (ejected ones included). */
  endpoints(): Iterable<E>;
  /** An endpoint was ejected or came back: the cluster publishes a new picker and reports the change. */
  changed(endpoint: E): void;
}

/** The outlier-detection state of an endpoint, kept on it so that its stats show it. */
export interface OutlierState {
  /** Ejected until this time (epoch ms); undefined = not ejected. */
  ejectedUntil: number | undefined;
  /** UNAVAILABLE attempts since the last attempt the provider answered (counted by the cluster). */
  consecutiveFailures: number;
  /** Ejections since the last successful call: the exponent of the next ejection's time. */
  ejectionsInARow: number;
  /** Ejections so far. */
  ejections: number;
  lastError: string | undefined;
}

/**
 * Outlier detection of one target's endpoints: counts consecutive UNAVAILABLE attempts per endpoint, ejects one that
 * reaches `consecutiveFailures` (within `maxEjectionPercent`) for its ejection time, and brings it back when that
 * has passed. The cluster tells it every attempt's outcome and when an endpoint leaves the target.
 *
 * Invariant: an endpoint has a pending return timer iff its `ejectedUntil` is set and it is still in the target.
 */
export class OutlierDetector<E extends OutlierState> {
  readonly #options: OutlierDetectionOptions;
  readonly #host: OutlierHost<E>;
  readonly #timers = new Map<E, NodeJS.Timeout>();

  constructor(options: OutlierDetectionOptions, host: OutlierHost<E>) {
    this.#options = options;
    this.#host = host;
  }

  /** The provider answered an attempt on `endpoint` (any status but UNAVAILABLE): ejections start over. */
  succeeded(endpoint: E): void {
    endpoint.ejectionsInARow = 0;
  }

  /** An attempt on `endpoint` failed with UNAVAILABLE (the cluster has counted it in `consecutiveFailures`). */
  failed(endpoint: E): void {
    if (endpoint.consecutiveFailures >= this.#options.consecutiveFailures) this.#eject(endpoint);
  }

  /** `endpoint` left the target: its return timer is dropped. */
  forget(endpoint: E): void {
    const timer = this.#timers.get(endpoint);
    if (timer) clearTimeout(timer);
    this.#timers.delete(endpoint);
  }

  /** Drops every timer. */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #eject(endpoint: E): void {
    const od = this.#options;
    if (endpoint.ejectedUntil !== undefined) return;
    let ejected = 0;
    let total = 0;
    for (const e of this.#host.endpoints()) {
      total++;
      if (e.ejectedUntil !== undefined) ejected++;
    }
    if (!mayEject(od, ejected, total)) return;
    endpoint.ejectionsInARow++;
    endpoint.ejections++;
    endpoint.consecutiveFailures = 0;
    const ms = ejectionTimeMs(od, endpoint.ejectionsInARow);
    endpoint.ejectedUntil = Date.now() + ms;
    endpoint.lastError = `ejected for ${ms} ms after ${od.consecutiveFailures} consecutive UNAVAILABLE failures`;
    this.#host.changed(endpoint);
    const timer = setTimeout(() => {
      this.#timers.delete(endpoint);
      endpoint.ejectedUntil = undefined;
      this.#host.changed(endpoint);
    }, ms);
    timer.unref();
    this.#timers.set(endpoint, timer);
  }
}
