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
