import { errorMessage, type Logger } from "@dubbo-mesh/runtime";

/** What signal handling needs of an application. */
interface Stoppable {
  stop(): Promise<void>;
}

let installed = false;

/**
 * Stops the application gracefully on SIGTERM (what Kubernetes and `docker stop` send) and SIGINT (Ctrl-C), then
 * exits 0 — or 1 if stopping failed. A second signal during the stop exits at once with 130, for an impatient Ctrl-C.
 * Installed once per process.
 */
export function installSignalHandlers(app: Stoppable, logger: Logger): void {
  if (installed) return;
  installed = true;
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ event: "shutdown-forced", signal });
      process.exit(130);
    }
    received = true;
    logger.info({ event: "signal", signal });
    app.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ event: "shutdown-failed", error: errorMessage(e) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
