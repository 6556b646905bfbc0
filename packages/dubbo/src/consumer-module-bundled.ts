import * as consumer from "@dubbo-mesh/consumer";

/**
 * The consumer package, statically imported: what `#consumer-module` resolves to under the `dubbo-mesh-bundle`
 * condition (see consumer-module.ts), so a bundler puts the package into the bundle.
 */
export function loadConsumerModule(): typeof consumer {
  return consumer;
}
