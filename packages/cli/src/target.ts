import { parseTarget } from "@dubbo-mesh/consumer";
import { UsageError } from "./args.js";

/**
 * Checks a provider address from the command line — `host:port`, `tri://host:port`, `http://host:port` (a missing
 * port is 50052) — and returns it unchanged for a consumer reference's `url`. A bad one is a `UsageError`.
 */
export function checkTarget(target: string | undefined, command: string): string {
  if (target === undefined || target === "") {
    throw new UsageError(`missing <target> (host:port, tri://host:port or http://host:port) for ${command}`);
  }
  try {
    parseTarget(target);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace("reference url", "target") : String(e));
  }
  return target;
}
