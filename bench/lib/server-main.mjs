/**
 * The contract between a benchmark server process and the runner: listen on 127.0.0.1 (PORT env, default 0 = any
 * free port), then print one JSON line `{"event":"listening","port":N,"uptimeMs":T}` on stdout; exit 0 on SIGTERM or
 * SIGINT (so `node --cpu-prof` writes its profile).
 */

/** The port the runner asked for. */
export function requestedPort() {
  return Number(process.env.PORT ?? 0);
}

/**
 * Announces that the server listens on `port` (with `extra` fields in the line) and installs the exit handlers;
 * `close` runs before exiting.
 */
export function announceListening(port, close = () => {}, extra = {}) {
  const exit = () => {
    try {
      close();
    } finally {
      process.exit(0);
    }
  };
  process.once("SIGTERM", exit);
  process.once("SIGINT", exit);
  process.stdout.write(`${JSON.stringify({ event: "listening", port, uptimeMs: performance.now(), ...extra })}\n`);
}
