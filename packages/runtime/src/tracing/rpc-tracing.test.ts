import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { context, propagation, trace } from "@opentelemetry/api";
import { describe, expect, it, onTestFinished } from "vitest";
import { createRpcTracing } from "./index.js";

describe("RpcTracing without an OpenTelemetry SDK", () => {
  it("costs a no-op: no span to run in, no header to send, the handler called as it is", () => {
    const tracing = createRpcTracing();
    const server = tracing.startServer({
      system: "grpc",
      service: "s.S",
      method: "M",
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    const handler = (x: number) => x + 1;
    expect(server.bind(handler)).toBe(handler);
    expect(server.run(() => trace.getSpan(context.active()))).toBeUndefined();
    server.end(0);
    const sent: string[] = [];
    const client = tracing.startClient({ system: "grpc", service: "s.S", method: "M" });
    client.inject((name) => sent.push(name));
    client.end(14, "unavailable");
    expect(sent).toEqual([]);
    expect(propagation.fields()).toEqual([]);
  });
});

describe("RpcTracing with the OpenTelemetry SDK", () => {
  it("lets go of a call's span when it ends, and runs what comes after outside it", async () => {
    const { TracerProvider } = await import("@opentelemetry/sdk-trace");
    const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    onTestFinished(() => context.disable());
    const started: WeakRef<object>[] = [];
    let ended = 0;
    // A real tracer provider whose processor keeps nothing but a weak reference: only the trace can hold the span.
    const processor = {
      onStart: (span: object) => void started.push(new WeakRef(span)),
      onEnd: () => void ended++,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const tracing = createRpcTracing({ tracerProvider: new TracerProvider({ spanProcessors: [processor] }) });
    const server = tracing.startServer({ system: "grpc", service: "s.S", method: "M", headers: {} });
    const client = tracing.startClient({ system: "grpc", service: "s.S", method: "M" });
    expect(started).toHaveLength(2);
    expect(server.run(() => typeof trace.getSpan(context.active())?.spanContext().spanId)).toBe("string");
    server.end(0);
    client.end(0);
    server.end(13);
    expect(ended).toBe(2);
    expect(server.run(() => trace.getSpan(context.active()))).toBeUndefined();
    const handler = (x: number) => x + 1;
    expect(server.bind(handler)).toBe(handler);
    const sent: string[] = [];
    client.inject((name) => sent.push(name));
    expect(sent).toEqual([]);
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // The traces are still reachable here; their spans are not.
    expect([server, client]).toHaveLength(2);
    expect(started.map((ref) => ref.deref())).toEqual([undefined, undefined]);
  });
});
