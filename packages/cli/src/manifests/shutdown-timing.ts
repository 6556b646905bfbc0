/**
 * Seconds added to the grace period on top of the preStop sleep and the application's own shutdown budget: starting
 * `node` for the preStop hook, closing sockets, flushing logs and exiting.
 */
export const GRACE_MARGIN_SECONDS = 5;

/** The parts of a pod's termination that must fit in its grace period. */
export interface ShutdownBudget {
  /** preStop: the hook sends `offline` to QOS, then sleeps this long before kubelet sends SIGTERM. */
  readonly preStopSleepSeconds: number;
  /** `dubbo.application.shutdown-delay` (ms): after SIGTERM, offline until listeners close. */
  readonly shutdownDelayMs: number;
  /** `dubbo.service.shutdown.wait` (ms): the longest in-flight calls may take to finish after GOAWAY. */
  readonly shutdownWaitMs: number;
}

/**
 * `terminationGracePeriodSeconds` for a pod: the grace period starts when the preStop hook starts, so it must cover
 * the preStop sleep, then the application's shutdown delay and in-flight wait, then a margin
 * ({@link GRACE_MARGIN_SECONDS}). With the defaults: 10 + ceil((0 + 10000) / 1000) + 5 = 25 s. Kubernetes sends
 * SIGKILL when it runs out, dropping whatever calls are still open.
 */
export function terminationGracePeriodSeconds(budget: ShutdownBudget): number {
  return (
    budget.preStopSleepSeconds +
    Math.ceil((budget.shutdownDelayMs + budget.shutdownWaitMs) / 1000) +
    GRACE_MARGIN_SECONDS
  );
}
