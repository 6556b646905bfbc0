import * as yaml from "yaml";

/**
 * The YAML parser, statically imported: what `#yaml-module` resolves to under the `dubbo-mesh-bundle` condition
 * (see yaml-module.ts), so a bundler puts it into the bundle.
 */
export function loadYamlModule(): typeof yaml {
  return yaml;
}
