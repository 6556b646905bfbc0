/** The three Kubernetes probe kinds, as served on the QOS port at `/live`, `/ready` and `/startup`. */
export type ProbeKind = "liveness" | "readiness" | "startup";

/** A user or framework check. Returning `false`, throwing, rejecting or running past its timeout all fail it. */
export type ProbeCheckFn = () => boolean | Promise<boolean>;

/** Options of one probe check. */
export interface ProbeCheckOptions {
  /** How long the check may run before it counts as failed. Default 1000 ms. */
  timeoutMs?: number;
}

/** The outcome of a probe: `ok` plus the names of whatever made it fail (checks, or lifecycle conditions). */
export interface ProbeResult {
  ok: boolean;
  failed: string[];
}

/** A registered check with its defaults filled in. */
export interface ProbeCheck {
  readonly name: string;
  readonly fn: ProbeCheckFn;
  readonly timeoutMs: number;
}

/** The timeout of a check registered without one, in milliseconds. */
export const defaultProbeCheckTimeoutMs = 1000;

/**
 * runProbeCheck runs one check and resolves to whether it passed. It never rejects: a throw, a rejection,
 * a non-`true` result or a timeout all resolve to `false`. The timer is cleared as soon as the check settles.
 */
export async function runProbeCheck(check: ProbeCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), check.timeoutMs);
  });
  const run = (async () => (await check.fn()) === true)().catch(() => false);
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
