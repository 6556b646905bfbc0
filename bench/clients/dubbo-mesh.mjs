/**
 * Client contestant: the dubbo-mesh consumer — `createConsumer().reference(GreeterService, { url, timeout: 0 })` —
 * making calls of the kind KIND on the server at env URL (one HTTP/2 connection). See lib/client-loop.mjs. With env
 * TLS_CA (the TLS rows; URL is then https://) `createConsumer({ tls: { trustCertCollectionPath } })`.
 */
import { createConsumer } from "@dubbo-mesh/consumer";
import { loadConfig, runClientLoop } from "../lib/client-loop.mjs";
import { connectCall } from "../lib/connect-calls.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";

const tlsCa = process.env.TLS_CA;
const consumer = createConsumer(tlsCa ? { tls: { trustCertCollectionPath: tlsCa } } : {});
const greeter = consumer.reference(GreeterService, { url: process.env.URL, timeout: 0 });

await runClientLoop(connectCall(greeter, loadConfig()), () => consumer.close());
