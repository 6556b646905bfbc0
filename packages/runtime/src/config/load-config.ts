import { ConfigError, type ConfigProblem, invalidValue } from "./config-error.js";
import { fileSettings } from "./config-file.js";
import { closestKey, isSecretKey } from "./key-names.js";
import {
  ignoredReason,
  isSchemaKey,
  KNOWN_KEYS,
  LEGACY_ALIASES,
  SCHEMA,
  SCHEMA_KEYS,
  type SchemaKey,
  type SchemaValue,
} from "./schema.js";
import { codeSettings, environmentSettings, originOf, type RawSetting } from "./sources.js";
import type {
  ConfigEntry,
  ConfigInput,
  ConfigSourceKind,
  DubboConfig,
  DubboConfigInput,
  LoadedConfig,
} from "./types.js";
import { rawToText, type ValueParser } from "./value-parsers.js";

/** Options for {@link loadConfig}; every field is optional. */
export interface LoadConfigOptions {
  /** Configuration given in code, the highest-precedence source (see {@link ConfigInput} and {@link DubboConfigInput}). */
  readonly code?: ConfigInput | DubboConfigInput;
  /** Environment variables to read; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory to resolve `DUBBO_CONFIG_FILE` against and to look for `dubbo.properties`/`dubbo.yaml` in; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

const MASK = "******";

interface Resolved {
  readonly value: unknown;
  readonly setting?: RawSetting;
}

function formatValue(value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function describeKey(setting: RawSetting): string {
  return setting.writtenKey === setting.key || setting.source === "environment"
    ? setting.key
    : `${setting.writtenKey} (${setting.key})`;
}

/**
 * Loads the configuration from code, environment variables, the configuration file and the defaults (highest
 * precedence first), per key. Keys are accepted in kebab-case and camelCase; values are validated only for the
 * winning source. Ignored Dubbo Java keys and unknown `dubbo.*` keys produce one warning each.
 *
 * Synchronous and free of side effects apart from reading the configuration file; nothing is printed.
 *
 * @throws {ConfigError} when any effective value is invalid or the configuration file cannot be used; all problems
 *   are reported in that one error.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const code = codeSettings(options.code as ConfigInput | undefined);
  const environment = environmentSettings(env);
  const file = fileSettings(env, cwd);
  const problems: ConfigProblem[] = [...code.problems, ...file.problems];
  const warnings: string[] = [...environment.warnings, ...file.warnings];
  const { winners, extras } = pickWinners([code.settings, environment.settings, file.settings], warnings);
  const resolved = resolveValues(winners, problems);
  const [firstProblem, ...otherProblems] = problems;
  if (firstProblem !== undefined) throw new ConfigError([firstProblem, ...otherProblems]);

  const get = <K extends SchemaKey>(key: K): SchemaValue<K> => resolved.get(key)?.value as SchemaValue<K>;
  const values: DubboConfig = deepFreeze({
    application: {
      name: get("dubbo.application.name"),
      version: get("dubbo.application.version"),
      qosEnable: get("dubbo.application.qos-enable"),
      qosHost: get("dubbo.application.qos-host"),
      qosPort: get("dubbo.application.qos-port"),
      qosAcceptForeignIp: get("dubbo.application.qos-accept-foreign-ip"),
      qosAcceptForeignIpWhitelist: get("dubbo.application.qos-accept-foreign-ip-whitelist"),
      qosAnonymousAccessPermissionLevel: get("dubbo.application.qos-anonymous-access-permission-level"),
      qosAnonymousAllowCommands: get("dubbo.application.qos-anonymous-allow-commands"),
      qosIdleTimeout: get("dubbo.application.qos-idle-timeout"),
      qosRequestTimeout: get("dubbo.application.qos-request-timeout"),
      qosMaxConnections: get("dubbo.application.qos-max-connections"),
      shutdownDelay: get("dubbo.application.shutdown-delay"),
    },
    registry: { address: get("dubbo.registry.address") },
    protocol: {
      name: get("dubbo.protocol.name"),
      host: get("dubbo.protocol.host"),
      port: get("dubbo.protocol.port"),
      maxConnectionAge: get("dubbo.protocol.max-connection-age"),
      maxConnectionAgeGrace: get("dubbo.protocol.max-connection-age-grace"),
      maxMessageSize: get("dubbo.protocol.max-message-size"),
      headersTimeout: get("dubbo.protocol.headers-timeout"),
      requestTimeout: get("dubbo.protocol.request-timeout"),
      keepaliveTime: get("dubbo.protocol.keepalive-time"),
      keepaliveTimeout: get("dubbo.protocol.keepalive-timeout"),
      permitKeepaliveTime: get("dubbo.protocol.permit-keepalive-time"),
      permitKeepaliveWithoutCalls: get("dubbo.protocol.permit-keepalive-without-calls"),
      maxPingStrikes: get("dubbo.protocol.max-ping-strikes"),
      accepts: get("dubbo.protocol.accepts"),
      triple: {
        maxConcurrentStreams: get("dubbo.protocol.triple.max-concurrent-streams"),
        maxStreamResetsPerSecond: get("dubbo.protocol.triple.max-stream-resets-per-second"),
      },
    },
    provider: { executes: get("dubbo.provider.executes") },
    consumer: {
      timeout: get("dubbo.consumer.timeout"),
      retries: get("dubbo.consumer.retries"),
      meshEnable: get("dubbo.consumer.mesh-enable"),
      balancing: get("dubbo.consumer.balancing"),
      loadbalance: get("dubbo.consumer.loadbalance"),
      keepaliveTime: get("dubbo.consumer.keepalive-time"),
      keepaliveTimeout: get("dubbo.consumer.keepalive-timeout"),
      connectTimeout: get("dubbo.consumer.connect-timeout"),
    },
    service: { shutdown: { wait: get("dubbo.service.shutdown.wait") } },
    tri: { resolveFallbackToDefault: get("dubbo.tri.resolve-fallback-to-default") },
    ssl: {
      serverKeyCertChainPath: get("dubbo.ssl.server-key-cert-chain-path"),
      serverPrivateKeyPath: get("dubbo.ssl.server-private-key-path"),
      serverKeyPassword: get("dubbo.ssl.server-key-password"),
      serverTrustCertCollectionPath: get("dubbo.ssl.server-trust-cert-collection-path"),
      serverPermissive: get("dubbo.ssl.server-permissive"),
      clientKeyCertChainPath: get("dubbo.ssl.client-key-cert-chain-path"),
      clientPrivateKeyPath: get("dubbo.ssl.client-private-key-path"),
      clientKeyPassword: get("dubbo.ssl.client-key-password"),
      clientTrustCertCollectionPath: get("dubbo.ssl.client-trust-cert-collection-path"),
    },
    metrics: { enabled: get("dubbo.metrics.enabled") },
    tracing: { enabled: get("dubbo.tracing.enabled") },
  });

  const entries = describeEntries(resolved, extras);
  const loaded: LoadedConfig = {
    values,
    warnings: Object.freeze(warnings),
    describe: () => entries.map((e) => ({ ...e })),
  };
  return file.file === undefined ? loaded : { ...loaded, file: file.file };
}

/** The winning setting of a key: the setting and the parser of the key it is written for (legacy aliases too). */
interface Winner {
  readonly setting: RawSetting;
  readonly parse: ValueParser<unknown>;
}

/** A setting of no supported key: ignored, with the note `getConfig` shows. */
interface Extra {
  readonly setting: RawSetting;
  readonly note: string;
}

/**
 * Per supported key, the setting of the highest-precedence source that sets it (sources highest first; within a
 * source the direct key before a legacy alias). Settings of keys Dubbo Java has but we ignore, and of unknown keys,
 * become extras with one warning each (the unknown ones with the closest known key, if any is close).
 */
function pickWinners(
  sources: readonly (readonly RawSetting[])[],
  warnings: string[],
): { winners: Map<SchemaKey, Winner>; extras: Map<string, Extra> } {
  const winners = new Map<SchemaKey, Winner>();
  const extras = new Map<string, Extra>();
  for (const settings of sources) {
    const found = new Map<SchemaKey, Winner & { legacy: boolean }>();
    for (const setting of settings) {
      const legacy = LEGACY_ALIASES[setting.key];
      if (isSchemaKey(setting.key)) {
        found.set(setting.key, { setting, parse: SCHEMA[setting.key].parse, legacy: false });
      } else if (legacy !== undefined) {
        if (found.get(legacy.target)?.legacy === false) continue;
        found.set(legacy.target, { setting, parse: legacy.parse, legacy: true });
      } else if (!extras.has(setting.key)) {
        extras.set(setting.key, extraOf(setting, warnings));
      }
    }
    for (const [key, winner] of found) if (!winners.has(key)) winners.set(key, winner);
  }
  return { winners, extras };
}

/** An ignored or unknown setting as an extra, with its warning added to `warnings`. */
function extraOf(setting: RawSetting, warnings: string[]): Extra {
  const reason = ignoredReason(setting.key);
  const where = originOf(setting);
  if (reason !== undefined) {
    warnings.push(`ignored ${describeKey(setting)} from ${where}: ${reason}`);
    return { setting, note: `ignored: ${reason}` };
  }
  const suggestion = closestKey(setting.key, KNOWN_KEYS);
  warnings.push(
    `unknown key ${describeKey(setting)} from ${where} is ignored` +
      (suggestion === undefined ? "" : `; did you mean ${suggestion}?`),
  );
  return { setting, note: "unknown key, ignored" };
}

/** Every supported key's value: its winner parsed (a bad value adds a problem naming key, value and source), or its default. */
function resolveValues(winners: ReadonlyMap<SchemaKey, Winner>, problems: ConfigProblem[]): Map<SchemaKey, Resolved> {
  const resolved = new Map<SchemaKey, Resolved>();
  for (const key of SCHEMA_KEYS) {
    const winner = winners.get(key);
    if (winner === undefined) {
      resolved.set(key, { value: SCHEMA[key].defaultValue });
      continue;
    }
    const result = winner.parse(winner.setting.value);
    if (result.ok) {
      resolved.set(key, { value: result.value, setting: winner.setting });
    } else {
      const { setting } = winner;
      problems.push(
        invalidValue(setting.key, rawToText(setting.value), setting.source, originOf(setting), result.reason),
      );
    }
  }
  return resolved;
}

/** What `getConfig` shows: every supported key with its value and source (secrets masked), then the extras. */
function describeEntries(
  resolved: ReadonlyMap<SchemaKey, Resolved>,
  extras: ReadonlyMap<string, Extra>,
): readonly ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  const mask = (key: string, text: string): string => (isSecretKey(key) ? MASK : text);
  const entry = (key: string, value: string, source: ConfigSourceKind, detail: string | undefined): ConfigEntry =>
    detail === undefined ? { key, value: mask(key, value), source } : { key, value: mask(key, value), source, detail };
  for (const key of SCHEMA_KEYS) {
    const { value, setting } = resolved.get(key) ?? { value: undefined };
    if (setting === undefined) {
      entries.push(entry(key, formatValue(value), "default", SCHEMA[key].defaultDetail));
    } else {
      const via = setting.key === key ? undefined : `via ${setting.key}`;
      const detail = [setting.location, via].filter((part) => part !== undefined).join(", ");
      entries.push(entry(key, formatValue(value), setting.source, detail === "" ? undefined : detail));
    }
  }
  for (const [key, { setting, note }] of extras) {
    const detail = setting.location === undefined ? note : `${note}; ${setting.location}`;
    entries.push(entry(key, rawToText(setting.value), setting.source, detail));
  }
  return deepFreeze(entries);
}
