import { context, propagation, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
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
