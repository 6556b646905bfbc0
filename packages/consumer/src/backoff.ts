/**
 * How long to wait before a retry: exponential backoff with "full jitter" (a uniformly random wait between zero and
 * the exponential ceiling), which spreads the retries of many clients that failed together instead of having them
 * hit a recovering provider in waves.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry's wait, in ms. Default 25. */
  baseMs: number;
  /** Growth of the ceiling per retry. Default 2. */
  factor: number;
  /** Largest ceiling, in ms. Default 1000. */
  capMs: number;
  /** Source of randomness in [0, 1). Default `Math.random`; tests pass a constant. */
  random: () => number;
}

/** Defaults of `BackoffOptions`: base 25 ms, factor 2, cap 1 s, `Math.random`. */
export const defaultBackoff: Readonly<BackoffOptions> = { baseMs: 25, factor: 2, capMs: 1000, random: Math.random };

/**
 * The wait before retry number `retry` (1 for the first retry): `random() * min(capMs, baseMs * factor^(retry-1))`,
 * in whole ms.
 */
export function backoffDelay(retry: number, options: BackoffOptions = defaultBackoff): number {
  const ceiling = Math.min(options.capMs, options.baseMs * options.factor ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}
