/**
 * Benchmark server: the dubbo-mesh provider (`createProvider` from "@dubbo-mesh/provider") serving the bench greeter
 * for the sample's GreeterService, silent logger, on 127.0.0.1 — what an application gets by default. With the
 * `DUBBO_SSL_SERVER_*` env of the TLS rows it serves TLS (`tls: { keyCertChainPath, privateKeyPath }`).
 */
import { createProvider } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { connectGreeter } from "../lib/connect-greeter.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";
import { serverTlsFromEnv } from "../lib/tls-certs.mjs";

const files = serverTlsFromEnv();
const tls = files && { keyCertChainPath: files.certPath, privateKeyPath: files.keyPath };
const provider = createProvider({ port: requestedPort(), host: "127.0.0.1", logger: silentLogger, tls });
provider.service(GreeterService, connectGreeter());
const { port } = await provider.start();
announceListening(port, () => void provider.stop({ graceMs: 0 }));
