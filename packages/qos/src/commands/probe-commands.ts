import type { QosCommand } from "../qos-command.js";
import type { QosProbeKind } from "../qos-runtime.js";

function probeCommand(name: string, kind: QosProbeKind, summary: string): QosCommand {
  return {
    name,
    level: "PUBLIC",
    summary,
    usage: name,
    async run({ options }) {
      const result = await options.lifecycle.probe(kind);
      return {
        body: result.ok ? "true" : "false",
        status: result.ok ? 200 : 503,
        quiet: result.ok,
        logFields: result.ok ? undefined : { failed: result.failed },
      };
    },
  };
}

/** `live`: the liveness probe, 200 `true` or 503 `false`. PUBLIC. */
export const liveCommand = probeCommand("live", "liveness", "Liveness probe: true if every liveness check passes");

/** `ready`: the readiness probe, 200 `true` or 503 `false`. PUBLIC. */
export const readyCommand = probeCommand(
  "ready",
  "readiness",
  "Readiness probe: true if started, online and every readiness check passes",
);

/** `startup`: the startup probe, 200 `true` or 503 `false`. PUBLIC. */
export const startupCommand = probeCommand(
  "startup",
  "startup",
  "Startup probe: true once start-up completed and every startup check passes",
);
