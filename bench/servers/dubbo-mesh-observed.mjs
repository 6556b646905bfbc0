/**
 * Benchmark server for issue 13's cost rows: the bare dubbo-mesh provider (as servers/dubbo-mesh.mjs) with its
 * observability switched by env — METRICS=on|off (`createDubboMetrics().provider` from @dubbo-mesh/runtime, Dubbo's
 * names on prom-client as `dubbo()` records them, passed as `metrics`), TRACING=sdk|off (the OpenTelemetry SDK
 * registered first, lib/otel-sdk.mjs). With TRACING=sdk it makes one call to itself and flushes the span processor:
 * when no span came out (no SDK installed, or the provider does not trace yet) the "listening" line says
 * `unsupported` and why, and the runner leaves the row out.
 */
import http2 from "node:http2";
import { encodeRequest } from "../lib/grpc-frame.mjs";
import { registerOtelSdk } from "../lib/otel-sdk.mjs";
import { rawCall } from "../lib/raw-call.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

const tracing = process.env.TRACING === "sdk" ? await registerOtelSdk() : undefined;
const { createProvider } = await import("@dubbo-mesh/provider");
const runtime = await import("@dubbo-mesh/runtime");
const { GreeterService } = await import("../lib/greet-schema.mjs");
const { connectGreeter } = await import("../lib/connect-greeter.mjs");

let unsupported = tracing?.unsupported;
let metrics;
if (process.env.METRICS === "on") {
  // Dubbo's metric names on prom-client, as `dubbo()` records them (dubbo.metrics.enabled, the default).
  if (typeof runtime.createDubboMetrics === "function") {
    metrics = runtime.createDubboMetrics({ application: { name: "bench-provider" } }).provider;
  } else if (typeof runtime.createRpcMetrics === "function") metrics = runtime.createRpcMetrics();
  else unsupported ??= "@dubbo-mesh/runtime has no createDubboMetrics (update bench/servers/dubbo-mesh-observed.mjs)";
}

// With the SDK registered the provider traces as `dubbo()` does (dubbo.tracing.enabled): its RpcTracing on the API.
const rpcTracing = tracing && typeof runtime.createRpcTracing === "function" ? runtime.createRpcTracing() : undefined;
const provider = createProvider({
  port: requestedPort(),
  host: "127.0.0.1",
  logger: runtime.silentLogger,
  metrics,
  tracing: rpcTracing,
});
provider.service(GreeterService, connectGreeter());
const { port } = await provider.start();

if (tracing && !unsupported) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  await rawCall(session, "/greet.v1.GreeterService/Greet", encodeRequest("world"));
  session.close();
  await tracing.flush();
  if (tracing.exported() === 0) unsupported = "the provider exported no span with the OpenTelemetry SDK registered";
}
announceListening(port, () => void provider.stop({ graceMs: 0 }), unsupported ? { unsupported } : {});
