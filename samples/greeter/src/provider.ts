/**
 * The greeter provider (`npm run provider`): serves greet.v1.GreeterService version 1.0.0 on DUBBO_PROTOCOL_PORT
 * (default 50052), logs one JSON line when listening, stops cleanly on SIGTERM/SIGINT.
 */
import { createProvider } from "@dubbo-mesh/provider";
import { GreeterService } from "./gen/greet/v1/greet_pb.js";
import { GreeterImpl } from "./greeter-impl.js";

const port = Number(process.env.DUBBO_PROTOCOL_PORT ?? 50052);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid DUBBO_PROTOCOL_PORT "${process.env.DUBBO_PROTOCOL_PORT}": expected a port number 0-65535`);
  process.exit(2);
}
const provider = createProvider({ port }).service(GreeterService, new GreeterImpl(), { version: "1.0.0" });
// Handlers first: a signal that arrives while starting must still stop the provider cleanly.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    provider.stop().then(() => process.exit(0));
  });
}
await provider.start();
