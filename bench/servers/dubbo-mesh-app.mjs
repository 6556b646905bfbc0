/**
 * Benchmark server: the greeter provider application as users run it (`npm run provider`, samples/greeter): `dubbo()`
 * with the sample's dubbo-provider.properties (QOS on, its defaults), metrics, lifecycle and the default JSON logger
 * on stdout. Two things differ from the sample, both so that every contestant does the same work: the bench's
 * greeter implementation (the sample's appends the serving address and streams a fixed 3 messages) — registered as
 * `provide(GreeterImpl)` registers the sample's, GreeterService version 1.0.0 — and the ports (protocol on 127.0.0.1
 * PORT, QOS on any free port) through the same `DUBBO_*` environment variables a deployment would set.
 */
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { dubbo } from "dubbo-mesh";
import { connectGreeter } from "../lib/connect-greeter.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

// The sample's properties file, next to its package entry's folder (dist/).
const configFile = new URL("../dubbo-provider.properties", import.meta.resolve("@dubbo-mesh/sample-greeter"));
const app = dubbo({
  configFile,
  env: {
    ...process.env,
    DUBBO_PROTOCOL_HOST: "127.0.0.1",
    DUBBO_PROTOCOL_PORT: String(requestedPort()),
    DUBBO_APPLICATION_QOS_PORT: process.env.QOS_PORT ?? "0",
  },
  handleSignals: false,
}).service(GreeterService, connectGreeter(), { version: "1.0.0" });
const { protocolPort, qosPort } = await app.start();
process.stderr.write(`dubbo-mesh app: protocol port ${protocolPort}, QOS port ${qosPort}\n`);
announceListening(protocolPort, () => void app.stop());
