import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

// In a process of its own: whether @opentelemetry/api is loaded, and what is registered with it, is process-wide.
const script = `
import { createRequire } from "node:module";
import { createJsonLogger, createRpcTracing } from "@dubbo-mesh/runtime";
const require = createRequire(import.meta.url);
const apiLoaded = () => Object.keys(require.cache).some((f) => f.includes("@opentelemetry/api"));
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const tracing = createRpcTracing();
const call = () => tracing.startServer({ system: "grpc", service: "s.v1.S", method: "M", headers: { traceparent } });
const injected = (trace) => { const out = {}; trace.inject((k, v) => { out[k] = v; }); return out; };
const lines = [];
const logger = createJsonLogger((l) => lines.push(JSON.parse(l)));
const before = injected(call());
logger.info({ event: "before" });
const out = { loadedBefore: apiLoaded(), before };
// An application registers a propagator only (no SDK): from then on the incoming context flows.
const api = await import("@opentelemetry/api");
const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const trace = call();
out.after = injected(trace);
trace.run(() => logger.info({ event: "after" }));
out.loadedAfter = apiLoaded();
out.lines = lines;
console.log(JSON.stringify(out));
`;

describe("@opentelemetry/api is loaded only once something is registered with it", () => {
  it("untraced and not loaded before; the incoming context flows, into log lines too, once a propagator is registered", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd() });
    const out = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
    expect(out.loadedBefore).toBe(false);
    expect(out.before).toEqual({});
    expect(out.loadedAfter).toBe(true);
    // The remote parent's trace id goes on (a non-recording span: no SDK, so the span id stays the parent's).
    expect(out.after.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(out.lines[0]).not.toHaveProperty("trace_id");
    expect(out.lines[1]).toMatchObject({ event: "after", trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" });
  });
});
