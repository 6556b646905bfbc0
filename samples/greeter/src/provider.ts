/**
 * The greeter provider (`npm run provider`): serves greet.v1.GreeterService 1.0.0 as configured in
 * dubbo-provider.properties (port 50052, QOS 22222; `DUBBO_*` environment variables override), logs JSON lines,
 * drains gracefully on SIGTERM/SIGINT.
 */
import { dubbo, main } from "dubbo-mesh";
import { GreeterImpl } from "./greeter-impl.js";

await main(() =>
  dubbo({ configFile: new URL("../dubbo-provider.properties", import.meta.url) })
    .provide(GreeterImpl)
    .start(),
);
