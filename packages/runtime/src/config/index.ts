/**
 * Configuration loading for dubbo-mesh: one loader over code, environment variables, a `dubbo.properties` or
 * `dubbo.yaml` file and defaults (highest precedence first), with Dubbo Java's key names in both spellings.
 */
export { ConfigError, type ConfigProblem } from "./config-error.js";
export { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILES } from "./config-file.js";
export { canonicalKey, envNamesFor, isSecretKey } from "./key-names.js";
export { type LoadConfigOptions, loadConfig } from "./load-config.js";
export { checkedOption, defaultOf, optionValue } from "./option-value.js";
export { type PropertyEntry, type PropertySyntaxError, parseProperties } from "./properties-file.js";
export { IGNORED_KEYS, IGNORED_PREFIXES, LEGACY_ALIASES, SCHEMA_KEYS, type SchemaKey } from "./schema.js";
export type {
  ConfigEntry,
  ConfigInput,
  ConfigScalarInput,
  ConfigSourceKind,
  DubboConfig,
  DubboConfigInput,
  LoadedConfig,
  ProtocolName,
  QosPermissionLevel,
} from "./types.js";
export {
  booleanValue,
  durationValue,
  isIpOrCidr,
  nonNegativeIntegerValue,
  positiveDurationValue,
  positiveIntegerValue,
  type RawValue,
  type ValueParser,
} from "./value-parsers.js";
export { parseYamlConfig, type YamlEntry, type YamlSyntaxError } from "./yaml-file.js";
