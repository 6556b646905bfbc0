/**
 * The one-line message of anything thrown — an Error's `message`, anything else as a string — for logs and
 * response bodies, which never carry a stack trace.
 *
 * @example
 * logger.error({ event: "start-failed", error: errorMessage(e) });
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
