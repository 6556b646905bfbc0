import { createRequire } from "node:module";

type YamlModule = typeof import("yaml");

let loaded: YamlModule | undefined;

/**
 * The YAML parser, loaded only when a YAML file is read: most applications use dubbo.properties or the environment,
 * and loading it up front costs ~40 ms of every start-up. (yaml ships CommonJS too, so a synchronous load works.)
 *
 * Bundlers resolve `#yaml-module` with the `dubbo-mesh-bundle` condition to `yaml-module-bundled.js` instead, which
 * imports it statically, so the parser is inside a single-file bundle rather than required from node_modules.
 */
export function loadYamlModule(): YamlModule {
  loaded ??= createRequire(import.meta.url)("yaml") as YamlModule;
  return loaded;
}
