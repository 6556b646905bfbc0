/**
 * Cost suite (issue 13): the bare provider under unary small (h2load, as the provider rows) in three variants of
 * servers/dubbo-mesh-observed.mjs — metrics off, metrics on without a tracing SDK, and metrics on with the
 * OpenTelemetry SDK (batch span processor, no-op exporter). A variant the provider cannot run yet (no SDK installed,
 * no span exported) comes back as `{ unsupported: reason }`.
 */
import { serverScriptNamed } from "../lib/contestants.mjs";
import { measureServerLoad } from "./server-load.mjs";

/** The server environment of each variant. */
const VARIANT_ENV = {
  "metrics-off": { METRICS: "off", TRACING: "off" },
  "metrics-on": { METRICS: "on", TRACING: "off" },
  "tracing-sdk": { METRICS: "on", TRACING: "sdk" },
};

/** One variant's measurement (see measureServerLoad), or `{ unsupported }`. */
export function measureCost(variant, workload, options) {
  return measureServerLoad("dubbo-mesh", workload, {
    ...options,
    script: serverScriptNamed("dubbo-mesh-observed"),
    env: VARIANT_ENV[variant],
  });
}
