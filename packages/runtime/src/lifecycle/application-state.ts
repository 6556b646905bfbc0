/**
 * The phases an application goes through, in order. `starting` is the initial state; `stopped` is terminal.
 *
 * - `starting`: services are being exported and ports opened; nothing is ready yet.
 * - `started`: start-up completed; the application may serve (subject to online/offline).
 * - `stopping`: shutdown began (SIGTERM, or a failed start); readiness and health report not serving.
 * - `stopped`: everything is closed.
 */
export type ApplicationState = "starting" | "started" | "stopping" | "stopped";

/**
 * The only legal moves of the state machine. `starting -> stopping` exists so that a signal (or a failure)
 * during start-up can still shut down through the normal path; every other move goes one step forward.
 */
const legalTransitions: Readonly<Record<ApplicationState, readonly ApplicationState[]>> = {
  starting: ["started", "stopping"],
  started: ["stopping"],
  stopping: ["stopped"],
  stopped: [],
};

/** isLegalTransition tells whether the state machine may move from `from` to `to`. */
export function isLegalTransition(from: ApplicationState, to: ApplicationState): boolean {
  return legalTransitions[from].includes(to);
}

/**
 * assertLegalTransition throws an Error that names both states and the moves that would have been legal.
 *
 * @example
 * assertLegalTransition("stopped", "started"); // Error: illegal lifecycle transition stopped -> started ...
 */
export function assertLegalTransition(from: ApplicationState, to: ApplicationState): void {
  if (isLegalTransition(from, to)) {
    return;
  }
  const allowed = legalTransitions[from];
  const hint = allowed.length > 0 ? `from ${from} only ${allowed.join(" or ")} may follow` : `${from} is terminal`;
  throw new Error(`illegal lifecycle transition ${from} -> ${to} (${hint})`);
}
