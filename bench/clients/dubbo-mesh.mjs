/**
 * Client contestant: the dubbo-mesh consumer — `createConsumer().reference(GreeterService, { url, timeout: 0 })` —
 * making calls of the kind KIND on the server at env URL (one HTTP/2 connection). See lib/client-loop.mjs.
 */
import { createConsumer } from "@dubbo-mesh/consumer";
import { loadConfig, runClientLoop } from "../lib/client-loop.mjs";
import { connectCall } from "../lib/connect-calls.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";

const consumer = createConsumer();
const greeter = consumer.reference(GreeterService, { url: process.env.URL, timeout: 0 });

await runClientLoop(connectCall(greeter, loadConfig()), () => consumer.close());
