import { Code, ConnectError } from "@dubbo-mesh/consumer";
import { createJsonLogger } from "@dubbo-mesh/runtime";
import { context as otelContext, propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { dubbo } from "dubbo-mesh";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { parentOf, registerInMemorySdk } from "./support/otel-sdk.js";
import { until } from "./support/wait.js";

const { exporter } = registerInMemorySdk();
const silent = { info() {}, warn() {}, error() {} };
const free = { "dubbo.protocol.port": 0, "dubbo.application.qos-enable": false, "dubbo.protocol.host": "127.0.0.1" };

/** Waits until `n` spans have ended (the last ones end as their calls' trailers go out), then returns them. */
async function spans(n: number): Promise<ReadableSpan[]> {
  await until(() => exporter.getFinishedSpans().length >= n, `${n} ended spans`, 2000);
  return exporter.getFinishedSpans();
}

function one(all: ReadableSpan[], kind: SpanKind, service: string, test: (s: ReadableSpan) => boolean = () => true) {
  const found = all.filter((s) => s.kind === kind && s.attributes["rpc.service"] === service && test(s));
  expect(found, `one ${SpanKind[kind]} span of ${service}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

describe("OpenTelemetry tracing across a provider that calls another provider", () => {
  const stops: (() => Promise<void>)[] = [];
  const lines: Record<string, unknown>[] = [];
  let frontUrl = "";
  let backPort = 0;

  beforeAll(async () => {
    const back = dubbo({ application: { name: "back" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => back.stop());
    back.service(GreeterService, contractGreeter("back"));
    backPort = (await back.start()).protocolPort ?? 0;

    const front = dubbo({ application: { name: "front" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => front.stop());
    const backend = front.reference(GreeterService, { url: `http://127.0.0.1:${backPort}`, timeout: 5_000 });
    const triple = front.reference(GreeterService, {
      url: `http://127.0.0.1:${backPort}`,
      protocol: "triple",
      timeout: 5_000,
    });
    const log = createJsonLogger((line) => lines.push(JSON.parse(line)));
    front.service(GreeterService, {
      async greet(req) {
        // No tracing code here: the server span is current, the consumer call below becomes its child.
        log.info({ event: "front-greet", name: req.name });
        const client = req.name.startsWith("triple:") ? triple : backend;
        const reply = await client.greet({ name: req.name.replace(/^triple:/, "") });
        log.info({ event: "front-replied" });
        return { greeting: `front(${reply.greeting})` };
      },
    });
    frontUrl = `http://127.0.0.1:${(await front.start()).protocolPort}`;
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });

  async function callFront(name: string): Promise<string | number> {
    const caller = dubbo({ application: { name: "caller" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => caller.stop());
    const front = caller.reference(GreeterService, { url: frontUrl, timeout: 5_000 });
    return front.greet({ name }).then(
      (r) => r.greeting,
      (e: unknown) => ConnectError.from(e).code,
    );
  }

  it("one trace from the caller to the last provider, each span's parent right, RPC attributes set", async () => {
    expect(await callFront("alice")).toBe("front(back, alice)");
    const all = await spans(4);
    expect(all).toHaveLength(4);
    const callerClient = one(all, SpanKind.CLIENT, "fixture.v1.GreeterService", (s) => parentOf(s) === undefined);
    const frontServer = one(
      all,
      SpanKind.SERVER,
      "fixture.v1.GreeterService",
      (s) => parentOf(s) === callerClient.spanContext().spanId,
    );
    const frontClient = one(
      all,
      SpanKind.CLIENT,
      "fixture.v1.GreeterService",
      (s) => parentOf(s) === frontServer.spanContext().spanId,
    );
    const backServer = one(
      all,
      SpanKind.SERVER,
      "fixture.v1.GreeterService",
      (s) => parentOf(s) === frontClient.spanContext().spanId,
    );
    expect(new Set(all.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(callerClient.name).toBe("fixture.v1.GreeterService/Greet");
    expect(frontClient.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "fixture.v1.GreeterService",
      "rpc.method": "Greet",
      "rpc.grpc.status_code": 0,
      "server.address": "127.0.0.1",
      "server.port": backPort,
    });
    expect(backServer.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.method": "Greet",
      "rpc.grpc.status_code": 0,
      "network.peer.address": "127.0.0.1",
      "server.port": backPort,
    });
    expect(backServer.status.code).toBe(SpanStatusCode.UNSET);
    // The handler's log lines carry its server span.
    const logged = lines.filter((l) => String(l.event).startsWith("front-"));
    expect(logged).toHaveLength(2);
    for (const line of logged) {
      expect(line.trace_id).toBe(frontServer.spanContext().traceId);
      expect(line.span_id).toBe(frontServer.spanContext().spanId);
    }
  });

  it("an error is recorded with its gRPC code: ERROR on the clients, the server's status by gRPC's rules", async () => {
    expect(await callFront("error:5:no such greeting")).toBe(Code.NotFound);
    const all = await spans(4);
    const clients = all.filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(2);
    for (const c of clients) {
      expect(c.attributes["rpc.grpc.status_code"]).toBe(Code.NotFound);
      expect(c.status).toMatchObject({ code: SpanStatusCode.ERROR, message: "no such greeting" });
    }
    const backServer = all.find((s) => s.kind === SpanKind.SERVER && s.attributes["rpc.grpc.status_code"] === 5);
    expect(backServer?.status.code).toBe(SpanStatusCode.UNSET); // NOT_FOUND is not a server failure
    // The front handler rethrew a ConnectError NOT_FOUND: its server span says the same.
    expect(all.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.attributes["rpc.grpc.status_code"])).toEqual([
      5, 5,
    ]);
  });

  it("Triple (HTTP) carries the trace too: the back end's server span is apache_dubbo, a child of the client's", async () => {
    expect(await callFront("triple:bob")).toBe("front(back, bob)");
    const all = await spans(4);
    const frontServer = all.find((s) => s.kind === SpanKind.SERVER && s.attributes["rpc.system"] === "grpc");
    const tripleClient = all.find((s) => s.kind === SpanKind.CLIENT && s.attributes["rpc.system"] === "apache_dubbo");
    const tripleServer = all.find((s) => s.kind === SpanKind.SERVER && s.attributes["rpc.system"] === "apache_dubbo");
    expect(parentOf(tripleClient as ReadableSpan)).toBe(frontServer?.spanContext().spanId);
    expect(parentOf(tripleServer as ReadableSpan)).toBe(tripleClient?.spanContext().spanId);
    expect(new Set(all.map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it("a retried call has a client span per attempt, each a child of the caller's context", async () => {
    const caller = dubbo({ application: { name: "retrying" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => caller.stop());
    const nowhere = caller.reference(GreeterService, { url: "http://127.0.0.1:1", timeout: 5_000, retries: 2 });
    const root = exporterParent();
    const code = await otelContext.with(root.context, () =>
      nowhere.greet({ name: "x" }).then(
        () => 0,
        (e: unknown) => ConnectError.from(e).code,
      ),
    );
    expect(code).toBe(Code.Unavailable);
    const attempts = (await spans(3)).filter((s) => s.kind === SpanKind.CLIENT);
    expect(attempts).toHaveLength(3);
    for (const a of attempts) {
      expect(a.spanContext().traceId).toBe(root.traceId);
      expect(parentOf(a)).toBe(root.spanId);
      expect(a.attributes["rpc.grpc.status_code"]).toBe(Code.Unavailable);
      expect(a.attributes["server.port"]).toBe(1);
    }
  });

  it("the caller's W3C baggage and trace state reach the provider's handler", async () => {
    let seen: { baggage?: string; tracestate?: string } = {};
    const app = dubbo({ application: { name: "baggage" }, config: free, logger: silent, handleSignals: false });
    stops.push(() => app.stop());
    app.service(GreeterService, {
      greet(_req, ctx) {
        seen = {
          baggage: ctx.requestHeader.get("baggage") ?? undefined,
          tracestate: ctx.requestHeader.get("tracestate") ?? undefined,
        };
        const entry = propagation.getActiveBaggage()?.getEntry("tenant")?.value;
        return { greeting: `tenant ${entry}` };
      },
    });
    const port = (await app.start()).protocolPort;
    const client = app.reference(GreeterService, { url: `http://127.0.0.1:${port}` });
    const parent = exporterParent("vendor=1");
    const withBaggage = propagation.setBaggage(parent.context, propagation.createBaggage({ tenant: { value: "t-7" } }));
    const reply = await otelContext.with(withBaggage, () => client.greet({ name: "x" }));
    expect(reply.greeting).toBe("tenant t-7");
    expect(seen.baggage).toBe("tenant=t-7");
    expect(seen.tracestate).toBe("vendor=1");
  });
});

/** A remote parent span context (as if extracted from a caller), with an optional W3C trace state. */
function exporterParent(tracestate?: string) {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const spanId = "00f067aa0ba902b7";
  const carrier: Record<string, string> = { traceparent: `00-${traceId}-${spanId}-01` };
  if (tracestate) carrier.tracestate = tracestate;
  return { traceId, spanId, context: propagation.extract(otelContext.active(), carrier) };
}
