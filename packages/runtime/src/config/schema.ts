import type { ProtocolName, QosPermissionLevel } from "./types.js";
import {
  booleanValue,
  bytesValue,
  countValue,
  durationValue,
  enumValue,
  hostValue,
  ipListValue,
  nameListValue,
  nonNegativeIntegerValue,
  portValue,
  positiveDurationValue,
  positiveIntegerValue,
  registryAddressValue,
  secondsAsMillisValue,
  textValue,
  type ValueParser,
} from "./value-parsers.js";

/** Definition of one supported key: how to parse it, its default, and how the default is described. */
export interface KeyDefinition<T> {
  /** Parses and validates a raw value. */
  readonly parse: ValueParser<T>;
  /** Value used when no source sets the key. */
  readonly defaultValue: T;
  /** Optional note shown by `describe()` when the default applies (e.g. what "unset" means). */
  readonly defaultDetail?: string;
}

function key<T>(parse: ValueParser<T>, defaultValue: T, defaultDetail?: string): KeyDefinition<T> {
  return defaultDetail === undefined ? { parse, defaultValue } : { parse, defaultValue, defaultDetail };
}

function optional(parse: ValueParser<string>, defaultDetail: string): KeyDefinition<string | undefined> {
  return { parse, defaultValue: undefined, defaultDetail };
}

/**
 * Every supported key, by canonical kebab-case name, in display order. Keys may also be written in camelCase
 * (`qosAcceptForeignIp`) in every source; see {@link canonicalKey}.
 */
export const SCHEMA = {
  "dubbo.application.name": key(textValue, "dubbo-mesh-application"),
  "dubbo.application.version": optional(textValue, "not set"),
  "dubbo.application.qos-enable": key(booleanValue, true),
  "dubbo.application.qos-host": optional(hostValue, "not set: all interfaces"),
  "dubbo.application.qos-port": key(portValue(true), 22222),
  "dubbo.application.qos-accept-foreign-ip": key(booleanValue, false),
  "dubbo.application.qos-accept-foreign-ip-whitelist": key<readonly string[]>(ipListValue, []),
  "dubbo.application.qos-anonymous-access-permission-level": key<QosPermissionLevel>(
    enumValue(["PUBLIC", "PROTECTED", "PRIVATE", "NONE"]),
    "PUBLIC",
  ),
  "dubbo.application.qos-anonymous-allow-commands": key<readonly string[]>(nameListValue, []),
  "dubbo.application.qos-idle-timeout": key(positiveDurationValue, 300_000),
  "dubbo.application.qos-request-timeout": key(positiveDurationValue, 30_000),
  "dubbo.application.qos-max-connections": key(positiveIntegerValue, 64),
  "dubbo.application.shutdown-delay": key(durationValue, 0),
  "dubbo.registry.address": key(registryAddressValue, "N/A", "mesh mode, no registry"),
  "dubbo.protocol.name": key<ProtocolName>(enumValue(["tri", "grpc"]), "tri"),
  "dubbo.protocol.host": optional(hostValue, "not set: all interfaces"),
  "dubbo.protocol.port": key(portValue(true), 50052),
  "dubbo.protocol.max-connection-age": key(durationValue, 0, "0 = off"),
  "dubbo.protocol.max-connection-age-grace": key(durationValue, 10_000),
  "dubbo.protocol.max-message-size": key(bytesValue, 4_194_304),
  "dubbo.protocol.headers-timeout": key(durationValue, 10_000, "0 = no limit"),
  "dubbo.protocol.request-timeout": key(durationValue, 60_000, "0 = no limit"),
  "dubbo.protocol.keepalive-time": key(durationValue, 300_000, "0 = no keepalive pings"),
  "dubbo.protocol.keepalive-timeout": key(positiveDurationValue, 20_000),
  "dubbo.protocol.permit-keepalive-time": key(durationValue, 300_000),
  "dubbo.protocol.permit-keepalive-without-calls": key(booleanValue, false),
  "dubbo.protocol.max-ping-strikes": key(nonNegativeIntegerValue, 2, "0 = no ping enforcement"),
  "dubbo.protocol.accepts": key(countValue(0), 0, "0 = no limit"),
  "dubbo.protocol.triple.max-concurrent-streams": key(countValue(1), 100),
  "dubbo.protocol.triple.max-stream-resets-per-second": key(countValue(1), 1000, "bursts of 10x"),
  "dubbo.provider.executes": key(countValue(0), 1000, "0 = no limit"),
  "dubbo.consumer.timeout": key(durationValue, 1000),
  "dubbo.consumer.retries": key(nonNegativeIntegerValue, 2),
  "dubbo.consumer.mesh-enable": key(booleanValue, false),
  "dubbo.consumer.balancing": key(enumValue(["mesh", "client"]), "mesh", "mesh = one connection, the sidecar balances"),
  "dubbo.consumer.loadbalance": key(enumValue(["round_robin", "least_request"]), "round_robin"),
  "dubbo.consumer.keepalive-time": key(durationValue, 250, "read-quiet time with a call waiting; 0 = no pings"),
  "dubbo.consumer.keepalive-timeout": key(positiveDurationValue, 300),
  "dubbo.consumer.connect-timeout": key(durationValue, 3000, "Dubbo's connect.timeout; 0 = the kernel's limit"),
  "dubbo.service.shutdown.wait": key(durationValue, 10_000),
  "dubbo.tri.resolve-fallback-to-default": key(booleanValue, true),
  "dubbo.ssl.server-key-cert-chain-path": optional(textValue, "not set: the protocol port is cleartext"),
  "dubbo.ssl.server-private-key-path": optional(textValue, "not set"),
  "dubbo.ssl.server-key-password": optional(textValue, "not set: the key is not encrypted"),
  "dubbo.ssl.server-trust-cert-collection-path": optional(textValue, "not set: no client certificate is asked for"),
  "dubbo.ssl.server-permissive": key(booleanValue, false, "false = the TLS port refuses cleartext"),
  "dubbo.ssl.client-key-cert-chain-path": optional(textValue, "not set: no client certificate"),
  "dubbo.ssl.client-private-key-path": optional(textValue, "not set"),
  "dubbo.ssl.client-key-password": optional(textValue, "not set: the key is not encrypted"),
  "dubbo.ssl.client-trust-cert-collection-path": optional(textValue, "not set: calls are cleartext"),
  "dubbo.metrics.enabled": key(booleanValue, true),
  "dubbo.tracing.enabled": key(booleanValue, true, "spans are recorded only with an OpenTelemetry SDK registered"),
} as const satisfies Record<string, KeyDefinition<unknown>>;

/** A supported canonical key. */
export type SchemaKey = keyof typeof SCHEMA;

/** The typed value of a supported key. */
export type SchemaValue<K extends SchemaKey> = (typeof SCHEMA)[K] extends KeyDefinition<infer T> ? T : never;

/** The supported keys, in display order. */
export const SCHEMA_KEYS = Object.keys(SCHEMA) as SchemaKey[];

/** True when `key` (canonical) is a supported key. */
export function isSchemaKey(key: string): key is SchemaKey {
  return Object.hasOwn(SCHEMA, key);
}

/** A legacy key that still sets a supported key, with its own parser (e.g. seconds converted to milliseconds). */
export interface LegacyAlias {
  /** The supported key it sets. */
  readonly target: SchemaKey;
  /** Parses the legacy value into the target's type. */
  readonly parse: ValueParser<unknown>;
}

/**
 * Legacy keys accepted for compatibility with Dubbo Java. If a source sets both a legacy key and its target, the
 * target wins within that source; across sources, normal precedence applies.
 */
export const LEGACY_ALIASES: Readonly<Record<string, LegacyAlias>> = {
  "dubbo.service.shutdown.wait.seconds": { target: "dubbo.service.shutdown.wait", parse: secondsAsMillisValue },
};

const NO_REGISTRY = "mesh mode has no registry";
const NO_METADATA = "dubbo-mesh has no metadata service (mesh mode has no registry)";

/**
 * Dubbo Java keys that dubbo-mesh accepts but does not use, with the reason; each one set yields one warning.
 */
export const IGNORED_KEYS: Readonly<Record<string, string>> = {
  "dubbo.application.metadata-service-port": NO_METADATA,
  "dubbo.application.metadata-service-protocol": NO_METADATA,
  "dubbo.application.metadata-type": NO_METADATA,
  "dubbo.application.register-mode": NO_REGISTRY,
  "dubbo.application.enable-file-cache": NO_REGISTRY,
  "dubbo.application.qos-check": "a QOS port that cannot be bound always stops start-up",
  "dubbo.application.liveness-probe": "probe checks are registered in code",
  "dubbo.application.readiness-probe": "probe checks are registered in code",
  "dubbo.application.startup-probe": "probe checks are registered in code",
  "dubbo.application.logger": "dubbo-mesh writes JSON lines to stdout",
  "dubbo.application.serialize-check-status": "dubbo-mesh only uses protobuf and JSON",
  "dubbo.application.owner": "descriptive only",
  "dubbo.application.organization": "descriptive only",
  "dubbo.application.environment": "descriptive only",
  "dubbo.registry.register": NO_REGISTRY,
  "dubbo.registry.subscribe": NO_REGISTRY,
  "dubbo.registry.use-as-config-center": NO_REGISTRY,
  "dubbo.registry.use-as-metadata-center": NO_REGISTRY,
  "dubbo.protocol.serialization": "dubbo-mesh only uses protobuf and JSON",
  "dubbo.protocol.threads": "Node.js has no thread pool per protocol",
  "dubbo.protocol.threadpool": "Node.js has no thread pool per protocol",
  "dubbo.protocol.dispatcher": "Node.js has no thread pool per protocol",
  "dubbo.protocol.payload": "use dubbo.protocol.max-message-size",
  "dubbo.consumer.check": "references are resolved lazily through mesh DNS",
  "dubbo.tri.builtin.service.init": "the grpc.health.v1 service is always served",
  "dubbo.shutdown-hook.listen-ignore": "signal handling is chosen in code",
};

/** Key prefixes whose every key is accepted but unused (one warning per key set), with the reason. */
export const IGNORED_PREFIXES: Readonly<Record<string, string>> = {
  "dubbo.provider.": "provider defaults are not supported; set them per service in code",
  "dubbo.metadata-report.": NO_METADATA,
  "dubbo.config-center.": "dubbo-mesh reads only code, environment and the config file",
  "dubbo.metrics.": "only dubbo.metrics.enabled is supported; metrics are served by the QOS metrics command",
  "dubbo.monitor.": "metrics are served by the QOS metrics command",
  "dubbo.tracing.": "only dubbo.tracing.enabled is supported; the application registers the OpenTelemetry SDK",
  "dubbo.ssl.": "only the server-* and client-* key, certificate and trust files are supported",
  "dubbo.scan.": "services are registered in code",
  "dubbo.module.": "dubbo-mesh has one module per application",
  "dubbo.config.": "Spring binding options do not apply",
};

/** Why a canonical key is ignored, or undefined when it is not an ignored key. */
export function ignoredReason(key: string): string | undefined {
  const exact = IGNORED_KEYS[key];
  if (exact !== undefined) return exact;
  for (const [prefix, reason] of Object.entries(IGNORED_PREFIXES)) {
    if (key.startsWith(prefix)) return reason;
  }
  return undefined;
}

/** Every exact key the loader knows (supported, legacy and ignored), used to suggest the closest one for typos. */
export const KNOWN_KEYS: readonly string[] = [
  ...SCHEMA_KEYS,
  ...Object.keys(LEGACY_ALIASES),
  ...Object.keys(IGNORED_KEYS),
];
