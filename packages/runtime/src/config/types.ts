/**
 * The kind of place a configuration value came from, highest precedence first: `code` (the object passed to
 * {@link loadConfig}), `environment` (environment variables), `file` (`dubbo.properties` / `dubbo.yaml`), `default`.
 */
export type ConfigSourceKind = "code" | "environment" | "file" | "default";

/** QOS anonymous access permission level, as in Dubbo's `PermissionLevel` (PUBLIC lowest, NONE disables the check). */
export type QosPermissionLevel = "PUBLIC" | "PROTECTED" | "PRIVATE" | "NONE";

/** Wire protocol name for `dubbo.protocol.name`: Triple (`tri`, the default) or plain gRPC (`grpc`). */
export type ProtocolName = "tri" | "grpc";

/**
 * The resolved, validated configuration. Every field mirrors one `dubbo.*` key: the section is the second key segment
 * and the field is the rest of the key in camelCase (`dubbo.application.qos-accept-foreign-ip` ->
 * `application.qosAcceptForeignIp`); `dubbo.service.shutdown.wait` is `service.shutdown.wait`. Durations are
 * milliseconds, sizes are bytes. Because the shape mirrors the keys, a (partial) `DubboConfig` is itself valid
 * `code` input for {@link loadConfig}.
 */
export interface DubboConfig {
  readonly application: {
    /** `dubbo.application.name`, default `dubbo-mesh-application`. */
    readonly name: string;
    /** `dubbo.application.version`, unset by default. */
    readonly version: string | undefined;
    /** `dubbo.application.qos-enable`, default true. */
    readonly qosEnable: boolean;
    /** `dubbo.application.qos-host`; undefined (the default) binds all interfaces. */
    readonly qosHost: string | undefined;
    /** `dubbo.application.qos-port`, default 22222; 0 means any free port. */
    readonly qosPort: number;
    /** `dubbo.application.qos-accept-foreign-ip`, default false. */
    readonly qosAcceptForeignIp: boolean;
    /** `dubbo.application.qos-accept-foreign-ip-whitelist`: validated IP addresses and CIDR blocks, default empty. */
    readonly qosAcceptForeignIpWhitelist: readonly string[];
    /** `dubbo.application.qos-anonymous-access-permission-level`, default PUBLIC. */
    readonly qosAnonymousAccessPermissionLevel: QosPermissionLevel;
    /** `dubbo.application.qos-anonymous-allow-commands`: command names anyone may run, default empty. */
    readonly qosAnonymousAllowCommands: readonly string[];
    /** `dubbo.application.qos-idle-timeout` in ms, default 300000: a QOS connection that sends nothing this long closes. */
    readonly qosIdleTimeout: number;
    /**
     * `dubbo.application.qos-request-timeout` in ms, default 30000: time a QOS client has to send a whole HTTP request
     * or telnet line, from its first byte; a slower one is closed.
     */
    readonly qosRequestTimeout: number;
    /** `dubbo.application.qos-max-connections`, default 64: QOS connections open at once; more are closed at once. */
    readonly qosMaxConnections: number;
    /** `dubbo.application.shutdown-delay` in ms, default 0: time between going offline and closing listeners. */
    readonly shutdownDelay: number;
  };
  readonly registry: {
    /** `dubbo.registry.address`; only `N/A` (mesh mode, no registry) is supported. */
    readonly address: "N/A";
  };
  readonly protocol: {
    /** `dubbo.protocol.name`, default `tri`. */
    readonly name: ProtocolName;
    /** `dubbo.protocol.host`; undefined (the default) binds all interfaces. */
    readonly host: string | undefined;
    /** `dubbo.protocol.port`, default 50052; 0 means any free port. */
    readonly port: number;
    /** `dubbo.protocol.max-connection-age` in ms, default 0 = connections are never aged out. */
    readonly maxConnectionAge: number;
    readonly maxConnectionAgeGrace: number;
    /** `dubbo.protocol.max-message-size` in bytes, default 4194304 (4 MiB). */
    readonly maxMessageSize: number;
    /** `dubbo.protocol.headers-timeout` in ms (Node's `headersTimeout`), default 10000: HTTP/1.1 headers must be in by then. */
    readonly headersTimeout: number;
    /** `dubbo.protocol.request-timeout` in ms (Node's `requestTimeout`), default 60000: a whole HTTP/1.1 request. */
    readonly requestTimeout: number;
    /** `dubbo.protocol.keepalive-time` in ms (gRPC's `keepalive_time_ms`), default 300000: PING a quiet connection. */
    readonly keepaliveTime: number;
    /** `dubbo.protocol.keepalive-timeout` in ms (gRPC's `keepalive_timeout_ms`), default 20000: wait for the PING ACK. */
    readonly keepaliveTimeout: number;
    /** `dubbo.protocol.permit-keepalive-time` in ms (grpc-java's `permitKeepAliveTime`), default 300000. */
    readonly permitKeepaliveTime: number;
    /** `dubbo.protocol.permit-keepalive-without-calls` (grpc-java's `permitKeepAliveWithoutCalls`), default false. */
    readonly permitKeepaliveWithoutCalls: boolean;
    /** `dubbo.protocol.max-ping-strikes` (gRPC's `grpc.http2.max_ping_strikes`), default 2; 0 = no enforcement. */
    readonly maxPingStrikes: number;
    /** `dubbo.protocol.accepts`, default 0 = no limit: connections the protocol port holds at once. */
    readonly accepts: number;
    readonly triple: {
      /** `dubbo.protocol.triple.max-concurrent-streams`, default 100: SETTINGS_MAX_CONCURRENT_STREAMS per connection. */
      readonly maxConcurrentStreams: number;
      /**
       * `dubbo.protocol.triple.max-stream-resets-per-second`, default 1000 (bursts of ten times that): RST_STREAM
       * frames a client may send per connection before it is cut off (HTTP/2 rapid-reset defence).
       */
      readonly maxStreamResetsPerSecond: number;
    };
  };
  readonly provider: {
    /** `dubbo.provider.executes`, default 1000, 0 = no limit: calls in progress the provider serves at once. */
    readonly executes: number;
  };
  readonly consumer: {
    /** `dubbo.consumer.timeout` in ms, default 1000. */
    readonly timeout: number;
    /** `dubbo.consumer.retries`, default 2 (so up to 3 attempts). */
    readonly retries: number;
    /** `dubbo.consumer.mesh-enable`, default false. */
    readonly meshEnable: boolean;
    /** "mesh": one connection to the provider's name, a sidecar balances; "client": this consumer balances. */
    readonly balancing: "mesh" | "client";
    /** The client-side balancer when balancing is "client". */
    readonly loadbalance: "round_robin" | "least_request";
    /**
     * `dubbo.consumer.keepalive-time` in ms (gRPC's `keepalive_time_ms`, with Go's `ReadIdleTimeout` meaning), default
     * 250: a connection a call waits on that has been read-quiet this long is checked with a PING; 0 = never.
     */
    readonly keepaliveTime: number;
    /** `dubbo.consumer.keepalive-timeout` in ms (gRPC's `keepalive_timeout_ms`), default 300: then it is silent. */
    readonly keepaliveTimeout: number;
    /**
     * `dubbo.consumer.connect-timeout` in ms (Dubbo's `connect.timeout`), default 3000: a new connection not usable by
     * then counts as one that could not be made; 0 = the kernel's limit.
     */
    readonly connectTimeout: number;
  };
  readonly service: {
    readonly shutdown: {
      /** `dubbo.service.shutdown.wait` in ms (legacy `...wait.seconds` × 1000), default 10000. */
      readonly wait: number;
    };
  };
  readonly tri: {
    /** `dubbo.tri.resolve-fallback-to-default`, default true: fall back to the service without version/group. */
    readonly resolveFallbackToDefault: boolean;
  };
  /**
   * `dubbo.ssl.*`, as Dubbo Java's `SslConfig`: files (PEM paths) of the provider's TLS (`server-*`: a certificate
   * chain and key make the protocol port TLS; a trust collection requires client certificates, mTLS) and of the
   * consumer's (`client-*`: a trust collection or a key pair makes calls TLS; a key pair is the client certificate).
   */
  readonly ssl: {
    readonly serverKeyCertChainPath: string | undefined;
    readonly serverPrivateKeyPath: string | undefined;
    readonly serverKeyPassword: string | undefined;
    readonly serverTrustCertCollectionPath: string | undefined;
    /** `dubbo.ssl.server-permissive`, default false: also accept cleartext on the TLS port (migrations). */
    readonly serverPermissive: boolean;
    readonly clientKeyCertChainPath: string | undefined;
    readonly clientPrivateKeyPath: string | undefined;
    readonly clientKeyPassword: string | undefined;
    readonly clientTrustCertCollectionPath: string | undefined;
  };
  readonly metrics: {
    /**
     * `dubbo.metrics.enabled`, default true: record calls (`dubbo_provider_*`, `dubbo_consumer_*`) and serve them,
     * with Node's process metrics, on the QOS `metrics` command and `GET /metrics`.
     */
    readonly enabled: boolean;
  };
  readonly tracing: {
    /**
     * `dubbo.tracing.enabled`, default true: a server span per call served, a client span per attempt, W3C trace
     * context propagated — through `@opentelemetry/api`, so recorded only when the application registers an SDK.
     */
    readonly enabled: boolean;
  };
}

/**
 * A single configuration value as it may appear in code: strings are parsed exactly like file and environment text,
 * numbers and booleans are accepted where the key's type fits, lists may be arrays or comma-separated strings.
 * `undefined` and `null` mean "not set here".
 */
export type ConfigScalarInput = string | number | boolean | readonly string[] | null | undefined;

/**
 * Configuration given in code. Keys may be full dotted keys (`{ "dubbo.protocol.port": 50053 }`), dotted keys without
 * the `dubbo.` prefix (`{ "protocol.port": 50053 }`), or nested objects (`{ application: { name: "x" } }`, optionally
 * under a top-level `dubbo` object); all are joined with `.` and prefixed with `dubbo.` when missing. Key segments may
 * be kebab-case or camelCase.
 */
export interface ConfigInput {
  readonly [key: string]: ConfigScalarInput | ConfigInput;
}

/**
 * A partial {@link DubboConfig} (every field optional, at every level), accepted as `code` input so that the
 * values shape doubles as a typed way to write configuration: `{ protocol: { port: 0 } }`.
 */
export type DubboConfigInput = {
  readonly [S in keyof DubboConfig]?: {
    readonly [F in keyof DubboConfig[S]]?: DubboConfig[S][F] extends object
      ? DubboConfig[S][F] extends readonly unknown[]
        ? DubboConfig[S][F]
        : { readonly [G in keyof DubboConfig[S][F]]?: DubboConfig[S][F][G] }
      : DubboConfig[S][F];
  };
};

/** One row of {@link LoadedConfig.describe}: a key, its effective value as text, and where it came from. */
export interface ConfigEntry {
  /** Canonical (kebab-case) key, e.g. `dubbo.application.qos-port`. */
  readonly key: string;
  /** The value as text (lists comma-joined, unset optional values empty); secret-looking keys are `******`. */
  readonly value: string;
  /** Where the value came from. */
  readonly source: ConfigSourceKind;
  /** Extra detail: the environment variable name, the file path and line, or a note such as "ignored". */
  readonly detail?: string;
}

/** The result of {@link loadConfig}: typed values, warnings for ignored or unknown keys, and a description. */
export interface LoadedConfig {
  /** The validated, typed, frozen configuration. */
  readonly values: DubboConfig;
  /** One human-readable warning per ignored or unknown `dubbo.*` key (never printed by the loader). */
  readonly warnings: readonly string[];
  /** Absolute path of the configuration file that was read, if any. */
  readonly file?: string;
  /**
   * Every known key with its effective value and source, followed by the ignored and unknown keys that were set,
   * for the QOS `getConfig` command. Values of keys that look secret (password, token, key-store, ...) are masked.
   */
  describe(): ConfigEntry[];
}
