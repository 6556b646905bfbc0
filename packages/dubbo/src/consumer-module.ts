import { createRequire } from "node:module";

type ConsumerModule = typeof import("@dubbo-mesh/consumer");

let loaded: ConsumerModule | undefined;

/**
 * The consumer package (its HTTP/2 client, resolvers, balancers), loaded on first use rather than at import: a
 * provider-only application starts faster without it. require() of an ES module is synchronous in Node >= 22.12.
 *
 * Bundlers resolve `#consumer-module` with the `dubbo-mesh-bundle` condition to `consumer-module-bundled.js`
 * instead, which imports the package statically: in a single-file bundle loading is no longer the cost, and a
 * runtime require() would look for a second copy in node_modules.
 */
export function loadConsumerModule(): ConsumerModule {
  loaded ??= createRequire(import.meta.url)("@dubbo-mesh/consumer") as ConsumerModule;
  return loaded;
}
