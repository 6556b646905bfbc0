/**
 * Cost suite (issue 13): the bare provider under unary small (h2load, as the provider rows) in three variants of
 * servers/dubbo-mesh-observed.mjs — metrics off, metrics on without a tracing SDK, and metrics on with the
 * OpenTelemetry SDK (batch span processor, no-op exporter) — and the floor of the tracing cost: the raw node:http2
 * server without and with one SDK span per call (same SDK, processor and exporter), what the SDK alone costs a server
 * that does nothing else, and with what issue 13 asks of a provider's tracing besides (the request's W3C context
 * extracted, the span current while the answer is made): the floor of the 0.85x target itself. A variant that cannot
 * run (no SDK installed, no span exported) comes back as `{ unsupported: reason }`.
 */
import { serverScriptNamed } from "../lib/contestants.mjs";
import { measureServerLoad } from "./server-load.mjs";

/** The server script and environment of each variant. */
const VARIANTS = {
  "metrics-off": { server: "dubbo-mesh-observed", env: { METRICS: "off", TRACING: "off" } },
  "metrics-on": { server: "dubbo-mesh-observed", env: { METRICS: "on", TRACING: "off" } },
  "tracing-sdk": { server: "dubbo-mesh-observed", env: { METRICS: "on", TRACING: "sdk" } },
  "floor-off": { server: "raw-http2", env: { TRACING: "off" } },
  "floor-sdk": { server: "raw-http2", env: { TRACING: "sdk" } },
  "floor-context": { server: "raw-http2", env: { TRACING: "sdk-context" } },
};

/** One variant's measurement (see measureServerLoad), or `{ unsupported }`. */
export function measureCost(variant, workload, options) {
  const { server, env } = VARIANTS[variant];
  return measureServerLoad(server, workload, { ...options, script: serverScriptNamed(server), env });
}
