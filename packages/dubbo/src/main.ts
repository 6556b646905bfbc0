import { createJsonLogger, errorMessage } from "@dubbo-mesh/runtime";

/**
 * Runs an application's main function: an error (a bad config value, a port in use) is printed as one JSON line on
 * stderr — its message, not a stack trace — and the process exits 1.
 *
 * @example
 * await main(() => dubbo({ application: { name: "greeter-provider" } }).provide(GreeterImpl).start());
 */
export async function main(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    createJsonLogger((line) => process.stderr.write(line)).error({ event: "startup-failed", error: errorMessage(e) });
    process.exit(1);
  }
}
