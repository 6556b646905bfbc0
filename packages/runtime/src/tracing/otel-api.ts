import { createRequire } from "node:module";
import type * as OtelApi from "@opentelemetry/api";

/** The OpenTelemetry API module. */
export type OtelApiModule = typeof OtelApi;

/**
 * Where `@opentelemetry/api` 1.x keeps what an application registered with it (tracer provider, context manager,
 * propagator): one object on `globalThis` that every copy of the API reads, whichever module format loaded it.
 */
const registryKey = Symbol.for("opentelemetry.js.api.1");

interface ApiRegistry {
  readonly trace?: unknown;
  readonly context?: unknown;
  readonly propagation?: unknown;
}

const require = createRequire(import.meta.url);
let loaded: OtelApiModule | undefined;

/**
 * The OpenTelemetry API, loaded the first time it can matter: once the application registered a tracer provider, a
 * context manager or a propagator with it (an SDK's `register()`), or at once with `force` (a tracer provider given in
 * code). Until then the API's globals are its no-ops — no span records, no context is extracted or injected — so
 * nothing is lost by not asking it, and a process without an SDK never loads its ~50 modules (~6 MiB of RSS and a few
 * ms of start-up, measured). The check is one property read.
 */
export function otelApi(force = false): OtelApiModule | undefined {
  if (loaded !== undefined) return loaded;
  if (!force && !registered()) return undefined;
  loaded = require("@opentelemetry/api") as OtelApiModule;
  return loaded;
}

function registered(): boolean {
  const registry = (globalThis as { [registryKey]?: ApiRegistry })[registryKey];
  return (
    registry !== undefined &&
    (registry.trace !== undefined || registry.context !== undefined || registry.propagation !== undefined)
  );
}
