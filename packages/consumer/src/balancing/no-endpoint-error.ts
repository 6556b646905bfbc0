/**
 * No endpoint of a target can take a call: all are known to be down (not serving, unreachable, ejected), or the
 * target resolved to none. A call fails with UNAVAILABLE at once (gRPC's fail-fast) with this as its `cause`, rather
 * than waiting for its deadline; its request was never sent, so the retry layer may try again.
 */
export class NoEndpointError extends Error {
  override name = "NoEndpointError";
  constructor(
    /** The target, `host:port` (hosts of a static list joined by commas). */
    readonly target: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
