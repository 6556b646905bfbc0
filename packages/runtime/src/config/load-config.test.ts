import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { envNamesFor } from "./key-names.js";
import { loadConfig } from "./load-config.js";
import { SCHEMA_KEYS, type SchemaKey } from "./schema.js";
import type { DubboConfig } from "./types.js";

const dirs: string[] = [];
function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "dubbo-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function loadError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const DEFAULTS: DubboConfig = {
  application: {
    name: "dubbo-mesh-application",
    version: undefined,
    qosEnable: true,
    qosHost: undefined,
    qosPort: 22222,
    qosAcceptForeignIp: false,
    qosAcceptForeignIpWhitelist: [],
    qosAnonymousAccessPermissionLevel: "PUBLIC",
    qosAnonymousAllowCommands: [],
    qosIdleTimeout: 300000,
    qosRequestTimeout: 30000,
    qosMaxConnections: 64,
    shutdownDelay: 0,
  },
  registry: { address: "N/A" },
  protocol: {
    name: "tri",
    host: undefined,
    port: 50052,
    maxConnectionAge: 0,
    maxConnectionAgeGrace: 10000,
    maxMessageSize: 4194304,
    headersTimeout: 10000,
    requestTimeout: 60000,
    keepaliveTime: 300000,
    keepaliveTimeout: 20000,
    permitKeepaliveTime: 300000,
    permitKeepaliveWithoutCalls: false,
    maxPingStrikes: 2,
    accepts: 0,
    triple: { maxConcurrentStreams: 100, maxStreamResetsPerSecond: 1000 },
  },
  provider: { executes: 1000 },
  consumer: {
    timeout: 1000,
    retries: 2,
    meshEnable: false,
    balancing: "mesh",
    loadbalance: "round_robin",
    keepaliveTime: 250,
    keepaliveTimeout: 300,
    connectTimeout: 3000,
  },
  service: { shutdown: { wait: 10000 } },
  tri: { resolveFallbackToDefault: true },
  ssl: {
    serverKeyCertChainPath: undefined,
    serverPrivateKeyPath: undefined,
    serverKeyPassword: undefined,
    serverTrustCertCollectionPath: undefined,
    serverPermissive: false,
    clientKeyCertChainPath: undefined,
    clientPrivateKeyPath: undefined,
    clientKeyPassword: undefined,
    clientTrustCertCollectionPath: undefined,
  },
  metrics: { enabled: true },
  tracing: { enabled: true },
};

/** Reads one key's typed value: also proves every key has a place in `values`. */
const PICK: Record<SchemaKey, (v: DubboConfig) => unknown> = {
  "dubbo.application.name": (v) => v.application.name,
  "dubbo.application.version": (v) => v.application.version,
  "dubbo.application.qos-enable": (v) => v.application.qosEnable,
  "dubbo.application.qos-host": (v) => v.application.qosHost,
  "dubbo.application.qos-port": (v) => v.application.qosPort,
  "dubbo.application.qos-accept-foreign-ip": (v) => v.application.qosAcceptForeignIp,
  "dubbo.application.qos-accept-foreign-ip-whitelist": (v) => v.application.qosAcceptForeignIpWhitelist,
  "dubbo.application.qos-anonymous-access-permission-level": (v) => v.application.qosAnonymousAccessPermissionLevel,
  "dubbo.application.qos-anonymous-allow-commands": (v) => v.application.qosAnonymousAllowCommands,
  "dubbo.application.qos-idle-timeout": (v) => v.application.qosIdleTimeout,
  "dubbo.application.qos-request-timeout": (v) => v.application.qosRequestTimeout,
  "dubbo.application.qos-max-connections": (v) => v.application.qosMaxConnections,
  "dubbo.application.shutdown-delay": (v) => v.application.shutdownDelay,
  "dubbo.registry.address": (v) => v.registry.address,
  "dubbo.protocol.name": (v) => v.protocol.name,
  "dubbo.protocol.host": (v) => v.protocol.host,
  "dubbo.protocol.port": (v) => v.protocol.port,
  "dubbo.protocol.max-connection-age": (v) => v.protocol.maxConnectionAge,
  "dubbo.protocol.max-connection-age-grace": (v) => v.protocol.maxConnectionAgeGrace,
  "dubbo.consumer.balancing": (v) => v.consumer.balancing,
  "dubbo.consumer.loadbalance": (v) => v.consumer.loadbalance,
  "dubbo.consumer.keepalive-time": (v) => v.consumer.keepaliveTime,
  "dubbo.consumer.keepalive-timeout": (v) => v.consumer.keepaliveTimeout,
  "dubbo.consumer.connect-timeout": (v) => v.consumer.connectTimeout,
  "dubbo.protocol.max-message-size": (v) => v.protocol.maxMessageSize,
  "dubbo.protocol.headers-timeout": (v) => v.protocol.headersTimeout,
  "dubbo.protocol.request-timeout": (v) => v.protocol.requestTimeout,
  "dubbo.protocol.keepalive-time": (v) => v.protocol.keepaliveTime,
  "dubbo.protocol.keepalive-timeout": (v) => v.protocol.keepaliveTimeout,
  "dubbo.protocol.permit-keepalive-time": (v) => v.protocol.permitKeepaliveTime,
  "dubbo.protocol.permit-keepalive-without-calls": (v) => v.protocol.permitKeepaliveWithoutCalls,
  "dubbo.protocol.max-ping-strikes": (v) => v.protocol.maxPingStrikes,
  "dubbo.protocol.accepts": (v) => v.protocol.accepts,
  "dubbo.protocol.triple.max-concurrent-streams": (v) => v.protocol.triple.maxConcurrentStreams,
  "dubbo.protocol.triple.max-stream-resets-per-second": (v) => v.protocol.triple.maxStreamResetsPerSecond,
  "dubbo.provider.executes": (v) => v.provider.executes,
  "dubbo.consumer.timeout": (v) => v.consumer.timeout,
  "dubbo.consumer.retries": (v) => v.consumer.retries,
  "dubbo.consumer.mesh-enable": (v) => v.consumer.meshEnable,
  "dubbo.service.shutdown.wait": (v) => v.service.shutdown.wait,
  "dubbo.tri.resolve-fallback-to-default": (v) => v.tri.resolveFallbackToDefault,
  "dubbo.ssl.server-key-cert-chain-path": (v) => v.ssl.serverKeyCertChainPath,
  "dubbo.ssl.server-private-key-path": (v) => v.ssl.serverPrivateKeyPath,
  "dubbo.ssl.server-key-password": (v) => v.ssl.serverKeyPassword,
  "dubbo.ssl.server-trust-cert-collection-path": (v) => v.ssl.serverTrustCertCollectionPath,
  "dubbo.ssl.server-permissive": (v) => v.ssl.serverPermissive,
  "dubbo.ssl.client-key-cert-chain-path": (v) => v.ssl.clientKeyCertChainPath,
  "dubbo.ssl.client-private-key-path": (v) => v.ssl.clientPrivateKeyPath,
  "dubbo.ssl.client-key-password": (v) => v.ssl.clientKeyPassword,
  "dubbo.ssl.client-trust-cert-collection-path": (v) => v.ssl.clientTrustCertCollectionPath,
  "dubbo.metrics.enabled": (v) => v.metrics.enabled,
  "dubbo.tracing.enabled": (v) => v.tracing.enabled,
};

type Layer = readonly [raw: string, parsed: unknown];
/** Per key: [file, environment, code] values, each different from the one below it where the type allows. */
const LAYERS: Record<SchemaKey, readonly [Layer, Layer, Layer]> = {
  "dubbo.application.name": [
    ["from-file", "from-file"],
    ["from-env", "from-env"],
    ["from-code", "from-code"],
  ],
  "dubbo.application.version": [
    ["1f", "1f"],
    ["1e", "1e"],
    ["1c", "1c"],
  ],
  "dubbo.application.qos-enable": [
    ["false", false],
    ["TRUE", true],
    ["False", false],
  ],
  "dubbo.application.qos-host": [
    ["10.0.0.1", "10.0.0.1"],
    ["10.0.0.2", "10.0.0.2"],
    ["::1", "::1"],
  ],
  "dubbo.application.qos-port": [
    ["1", 1],
    ["2", 2],
    ["0", 0],
  ],
  "dubbo.application.qos-accept-foreign-ip": [
    ["true", true],
    ["false", false],
    ["true", true],
  ],
  "dubbo.application.qos-accept-foreign-ip-whitelist": [
    ["10.0.0.0/8", ["10.0.0.0/8"]],
    ["192.168.0.1, 172.16.0.0/12", ["192.168.0.1", "172.16.0.0/12"]],
    ["fd00::/8", ["fd00::/8"]],
  ],
  "dubbo.application.qos-anonymous-access-permission-level": [
    ["protected", "PROTECTED"],
    ["PRIVATE", "PRIVATE"],
    ["None", "NONE"],
  ],
  "dubbo.application.qos-anonymous-allow-commands": [
    ["ls", ["ls"]],
    ["ps,version", ["ps", "version"]],
    ["online", ["online"]],
  ],
  "dubbo.application.qos-idle-timeout": [
    ["11", 11],
    ["12", 12],
    ["13", 13],
  ],
  "dubbo.application.qos-request-timeout": [
    ["21", 21],
    ["22", 22],
    ["23", 23],
  ],
  "dubbo.application.qos-max-connections": [
    ["1", 1],
    ["2", 2],
    ["3", 3],
  ],
  "dubbo.application.shutdown-delay": [
    ["1", 1],
    ["2", 2],
    ["3", 3],
  ],
  "dubbo.registry.address": [
    ["n/a", "N/A"],
    ["N/A", "N/A"],
    ["N/a", "N/A"],
  ],
  "dubbo.protocol.name": [
    ["grpc", "grpc"],
    ["TRI", "tri"],
    ["grpc", "grpc"],
  ],
  "dubbo.protocol.host": [
    ["a.example", "a.example"],
    ["b.example", "b.example"],
    ["127.0.0.1", "127.0.0.1"],
  ],
  "dubbo.protocol.port": [
    ["50060", 50060],
    ["50061", 50061],
    ["0", 0],
  ],
  "dubbo.protocol.max-connection-age": [
    ["1000", 1000],
    ["2000", 2000],
    ["3000", 3000],
  ],
  "dubbo.consumer.balancing": [
    ["client", "client"],
    ["MESH", "mesh"],
    ["Client", "client"],
  ],
  "dubbo.consumer.loadbalance": [
    ["least_request", "least_request"],
    ["round_robin", "round_robin"],
    ["LEAST_REQUEST", "least_request"],
  ],
  "dubbo.consumer.keepalive-time": [
    ["0", 0],
    ["500", 500],
    ["1000", 1000],
  ],
  "dubbo.consumer.keepalive-timeout": [
    ["100", 100],
    ["200", 200],
    ["400", 400],
  ],
  "dubbo.consumer.connect-timeout": [
    ["0", 0],
    ["500", 500],
    ["5000", 5000],
  ],
  "dubbo.protocol.max-connection-age-grace": [
    ["100", 100],
    ["200", 200],
    ["300", 300],
  ],
  "dubbo.protocol.headers-timeout": [
    ["0", 0],
    ["100", 100],
    ["200", 200],
  ],
  "dubbo.protocol.accepts": [
    ["0", 0],
    ["10", 10],
    ["20", 20],
  ],
  "dubbo.protocol.triple.max-concurrent-streams": [
    ["1", 1],
    ["250", 250],
    ["1000", 1000],
  ],
  "dubbo.protocol.triple.max-stream-resets-per-second": [
    ["1", 1],
    ["50", 50],
    ["5000", 5000],
  ],
  "dubbo.provider.executes": [
    ["0", 0],
    ["16", 16],
    ["200", 200],
  ],
  "dubbo.protocol.request-timeout": [
    ["0", 0],
    ["300", 300],
    ["400", 400],
  ],
  "dubbo.protocol.keepalive-time": [
    ["0", 0],
    ["1000", 1000],
    ["2000", 2000],
  ],
  "dubbo.protocol.keepalive-timeout": [
    ["1", 1],
    ["2", 2],
    ["3", 3],
  ],
  "dubbo.protocol.permit-keepalive-time": [
    ["0", 0],
    ["10", 10],
    ["20", 20],
  ],
  "dubbo.protocol.permit-keepalive-without-calls": [
    ["true", true],
    ["false", false],
    ["true", true],
  ],
  "dubbo.protocol.max-ping-strikes": [
    ["0", 0],
    ["1", 1],
    ["5", 5],
  ],
  "dubbo.protocol.max-message-size": [
    ["1", 1],
    ["2", 2],
    ["3", 3],
  ],
  "dubbo.consumer.timeout": [
    ["5", 5],
    ["6", 6],
    ["7", 7],
  ],
  "dubbo.consumer.retries": [
    ["0", 0],
    ["1", 1],
    ["5", 5],
  ],
  "dubbo.consumer.mesh-enable": [
    ["true", true],
    ["false", false],
    ["true", true],
  ],
  "dubbo.service.shutdown.wait": [
    ["1", 1],
    ["2", 2],
    ["3", 3],
  ],
  "dubbo.tri.resolve-fallback-to-default": [
    ["false", false],
    ["true", true],
    ["false", false],
  ],
  "dubbo.ssl.server-key-cert-chain-path": [
    ["/f/server-key-cert-chain-path", "/f/server-key-cert-chain-path"],
    ["/e/server-key-cert-chain-path", "/e/server-key-cert-chain-path"],
    ["/c/server-key-cert-chain-path", "/c/server-key-cert-chain-path"],
  ],
  "dubbo.ssl.server-private-key-path": [
    ["/f/server-private-key-path", "/f/server-private-key-path"],
    ["/e/server-private-key-path", "/e/server-private-key-path"],
    ["/c/server-private-key-path", "/c/server-private-key-path"],
  ],
  "dubbo.ssl.server-key-password": [
    ["/f/server-key-password", "/f/server-key-password"],
    ["/e/server-key-password", "/e/server-key-password"],
    ["/c/server-key-password", "/c/server-key-password"],
  ],
  "dubbo.ssl.server-trust-cert-collection-path": [
    ["/f/server-trust-cert-collection-path", "/f/server-trust-cert-collection-path"],
    ["/e/server-trust-cert-collection-path", "/e/server-trust-cert-collection-path"],
    ["/c/server-trust-cert-collection-path", "/c/server-trust-cert-collection-path"],
  ],
  "dubbo.ssl.client-key-cert-chain-path": [
    ["/f/client-key-cert-chain-path", "/f/client-key-cert-chain-path"],
    ["/e/client-key-cert-chain-path", "/e/client-key-cert-chain-path"],
    ["/c/client-key-cert-chain-path", "/c/client-key-cert-chain-path"],
  ],
  "dubbo.ssl.client-private-key-path": [
    ["/f/client-private-key-path", "/f/client-private-key-path"],
    ["/e/client-private-key-path", "/e/client-private-key-path"],
    ["/c/client-private-key-path", "/c/client-private-key-path"],
  ],
  "dubbo.ssl.client-key-password": [
    ["/f/client-key-password", "/f/client-key-password"],
    ["/e/client-key-password", "/e/client-key-password"],
    ["/c/client-key-password", "/c/client-key-password"],
  ],
  "dubbo.ssl.client-trust-cert-collection-path": [
    ["/f/client-trust-cert-collection-path", "/f/client-trust-cert-collection-path"],
    ["/e/client-trust-cert-collection-path", "/e/client-trust-cert-collection-path"],
    ["/c/client-trust-cert-collection-path", "/c/client-trust-cert-collection-path"],
  ],
  "dubbo.ssl.server-permissive": [
    ["true", true],
    ["false", false],
    ["true", true],
  ],
  "dubbo.metrics.enabled": [
    ["false", false],
    ["true", true],
    ["false", false],
  ],
  "dubbo.tracing.enabled": [
    ["false", false],
    ["true", true],
    ["false", false],
  ],
};

describe("loadConfig defaults", () => {
  it("uses the defaults when nothing is set", () => {
    const loaded = loadConfig({ env: {}, cwd: tempDir() });
    expect(loaded.values).toEqual(DEFAULTS);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.file).toBeUndefined();
    expect(loaded.describe().every((e) => e.source === "default")).toBe(true);
    expect(loaded.describe().find((e) => e.key === "dubbo.application.qos-host")).toEqual({
      key: "dubbo.application.qos-host",
      value: "",
      source: "default",
      detail: "not set: all interfaces",
    });
  });

  it("returns deeply frozen values", () => {
    const { values } = loadConfig({ env: {}, cwd: tempDir() });
    expect(Object.isFrozen(values)).toBe(true);
    expect(Object.isFrozen(values.application)).toBe(true);
    expect(Object.isFrozen(values.application.qosAcceptForeignIpWhitelist)).toBe(true);
  });
});

describe("loadConfig precedence: code > environment > file > default, per key", () => {
  const properties = SCHEMA_KEYS.map((key) => `${key}=${LAYERS[key][0][0]}`).join("\n");
  const env = Object.fromEntries(SCHEMA_KEYS.map((key) => [envNamesFor(key)[0], LAYERS[key][1][0]]));
  const code = Object.fromEntries(SCHEMA_KEYS.map((key) => [key, LAYERS[key][2][0]]));

  it.each(SCHEMA_KEYS)("%s", (key) => {
    const cwd = tempDir({ "dubbo.properties": properties });
    const source = (loaded: ReturnType<typeof loadConfig>) => loaded.describe().find((e) => e.key === key)?.source;

    const fileOnly = loadConfig({ env: {}, cwd });
    expect(PICK[key](fileOnly.values)).toEqual(LAYERS[key][0][1]);
    expect(source(fileOnly)).toBe("file");

    const withEnv = loadConfig({ env, cwd });
    expect(PICK[key](withEnv.values)).toEqual(LAYERS[key][1][1]);
    expect(source(withEnv)).toBe("environment");

    const withCode = loadConfig({ env, cwd, code });
    expect(PICK[key](withCode.values)).toEqual(LAYERS[key][2][1]);
    expect(source(withCode)).toBe("code");
    expect(withCode.warnings).toEqual([]);
  });

  it("describe() names the environment variable and the file line", () => {
    const cwd = tempDir({ "dubbo.properties": "# comment\ndubbo.consumer.timeout=5\n" });
    const entries = loadConfig({ env: { DUBBO_PROTOCOL_PORT: "50070" }, cwd }).describe();
    expect(entries.find((e) => e.key === "dubbo.protocol.port")).toEqual({
      key: "dubbo.protocol.port",
      value: "50070",
      source: "environment",
      detail: "DUBBO_PROTOCOL_PORT",
    });
    expect(entries.find((e) => e.key === "dubbo.consumer.timeout")).toEqual({
      key: "dubbo.consumer.timeout",
      value: "5",
      source: "file",
      detail: `${join(cwd, "dubbo.properties")} line 2`,
    });
  });

  it("treats blank values as unset, so lower sources still apply", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.protocol.port=50070\ndubbo.consumer.timeout=\n" });
    const { values } = loadConfig({ env: { DUBBO_PROTOCOL_PORT: "  " }, cwd, code: { consumer: { retries: "" } } });
    expect(values.protocol.port).toBe(50070);
    expect(values.consumer.timeout).toBe(1000);
    expect(values.consumer.retries).toBe(2);
  });

  it("validates only the winning value: a bad file value overridden by the environment is not an error", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.protocol.port=70000\n" });
    expect(loadConfig({ env: { DUBBO_PROTOCOL_PORT: "50053" }, cwd }).values.protocol.port).toBe(50053);
  });
});

describe("loadConfig key spellings", () => {
  it("accepts camelCase and kebab-case in files", () => {
    const cwd = tempDir({
      "dubbo.properties":
        "dubbo.application.qosAcceptForeignIp=true\ndubbo.application.qos-port=0\ndubbo.consumer.meshEnable=true\n",
    });
    const { values } = loadConfig({ env: {}, cwd });
    expect(values.application.qosAcceptForeignIp).toBe(true);
    expect(values.application.qosPort).toBe(0);
    expect(values.consumer.meshEnable).toBe(true);
  });

  it("accepts the camelCase env form and prefers the kebab form when both are set", () => {
    const cwd = tempDir();
    expect(
      loadConfig({ env: { DUBBO_APPLICATION_QOSACCEPTFOREIGNIP: "true" }, cwd }).values.application.qosAcceptForeignIp,
    ).toBe(true);
    expect(
      loadConfig({ env: { DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP: "true" }, cwd }).values.application
        .qosAcceptForeignIp,
    ).toBe(true);
    const both = loadConfig({
      env: { DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP: "true", DUBBO_APPLICATION_QOSACCEPTFOREIGNIP: "false" },
      cwd,
    });
    expect(both.values.application.qosAcceptForeignIp).toBe(true);
    expect(both.warnings).toEqual([
      "both DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP and DUBBO_APPLICATION_QOSACCEPTFOREIGNIP are set for " +
        "dubbo.application.qos-accept-foreign-ip; using DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP",
    ]);
  });

  it("accepts code as dotted keys, prefix-less keys, nested objects and native types", () => {
    const { values } = loadConfig({
      env: {},
      cwd: tempDir(),
      code: {
        "dubbo.protocol.port": 50053,
        "consumer.timeout": 2500,
        application: { name: "greeter", qosEnable: false, "qos-accept-foreign-ip-whitelist": ["10.0.0.0/8", "::1"] },
        dubbo: { consumer: { meshEnable: true } },
        service: { "shutdown.wait": 3000 },
        tri: { resolveFallbackToDefault: undefined },
        registry: { address: null },
      },
    });
    expect(values.protocol.port).toBe(50053);
    expect(values.consumer.timeout).toBe(2500);
    expect(values.consumer.meshEnable).toBe(true);
    expect(values.application.name).toBe("greeter");
    expect(values.application.qosEnable).toBe(false);
    expect(values.application.qosAcceptForeignIpWhitelist).toEqual(["10.0.0.0/8", "::1"]);
    expect(values.service.shutdown.wait).toBe(3000);
    expect(values.tri.resolveFallbackToDefault).toBe(true);
  });

  it("accepts a loaded values object as code input (round trip)", () => {
    const cwd = tempDir({ "dubbo.yaml": "dubbo:\n  application:\n    qos-accept-foreign-ip-whitelist: 10.0.0.1\n" });
    const first = loadConfig({ env: { DUBBO_PROTOCOL_PORT: "50099", DUBBO_APPLICATION_VERSION: "2" }, cwd });
    const second = loadConfig({ env: {}, cwd: tempDir(), code: first.values });
    expect(second.values).toEqual(first.values);
    expect(second.warnings).toEqual([]);
  });
});

describe("loadConfig files", () => {
  it("reads nested and flat YAML from the working directory", () => {
    const cwd = tempDir({
      "dubbo.yaml": [
        "dubbo:",
        "  application:",
        "    name: yaml-app",
        "    qosAnonymousAllowCommands: [ls, ps]",
        "dubbo.protocol.port: 50070",
        "spring:",
        "  main: { banner-mode: off }",
      ].join("\n"),
    });
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.file).toBe(join(cwd, "dubbo.yaml"));
    expect(loaded.values.application.name).toBe("yaml-app");
    expect(loaded.values.application.qosAnonymousAllowCommands).toEqual(["ls", "ps"]);
    expect(loaded.values.protocol.port).toBe(50070);
    expect(loaded.warnings).toEqual([]);
  });

  it("reads dubbo.yml", () => {
    const cwd = tempDir({ "dubbo.yml": "dubbo:\n  consumer:\n    retries: 0\n" });
    expect(loadConfig({ env: {}, cwd }).values.consumer.retries).toBe(0);
  });

  it("prefers dubbo.properties over dubbo.yaml in the working directory, with a warning", () => {
    const cwd = tempDir({
      "dubbo.properties": "dubbo.application.name=props\n",
      "dubbo.yaml": "dubbo:\n  application:\n    name: yaml\n",
    });
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.values.application.name).toBe("props");
    expect(loaded.file).toBe(join(cwd, "dubbo.properties"));
    expect(loaded.warnings).toEqual([
      `using config file ${join(cwd, "dubbo.properties")}; also found and ignored: ${join(cwd, "dubbo.yaml")}`,
    ]);
  });

  it("reads the file named by DUBBO_CONFIG_FILE (absolute or relative to cwd), YAML by extension", () => {
    const elsewhere = tempDir({
      "app.yaml": "dubbo:\n  protocol:\n    port: 50080\n",
      "app.conf": "dubbo.protocol.port=50081\n",
    });
    const cwd = tempDir({ "dubbo.properties": "dubbo.protocol.port=50082\n" });
    const absolute = loadConfig({ env: { DUBBO_CONFIG_FILE: join(elsewhere, "app.yaml") }, cwd });
    expect(absolute.values.protocol.port).toBe(50080);
    expect(absolute.file).toBe(join(elsewhere, "app.yaml"));
    expect(loadConfig({ env: { DUBBO_CONFIG_FILE: "app.conf" }, cwd: elsewhere }).values.protocol.port).toBe(50081);
  });

  it("fails when DUBBO_CONFIG_FILE names a missing file, naming the path and the variable", () => {
    const cwd = tempDir();
    const error = loadError(() => loadConfig({ env: { DUBBO_CONFIG_FILE: "missing.properties" }, cwd }));
    expect(error.message).toBe(
      `config file ${join(cwd, "missing.properties")} named by environment variable DUBBO_CONFIG_FILE does not exist or is not a file`,
    );
    expect(error.key).toBe("DUBBO_CONFIG_FILE");
    expect(error.value).toBe("missing.properties");
    expect(error.source).toBe("environment");
  });

  it("fails when DUBBO_CONFIG_FILE names a directory", () => {
    const cwd = tempDir();
    expect(loadError(() => loadConfig({ env: { DUBBO_CONFIG_FILE: cwd }, cwd })).message).toContain(
      "DUBBO_CONFIG_FILE",
    );
  });

  it("ignores non-dubbo keys in files silently", () => {
    const cwd = tempDir({ "dubbo.properties": "spring.application.name=x\nserver.port=99999\nlogging.level=debug\n" });
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.values).toEqual(DEFAULTS);
  });

  it("reports a YAML syntax error with the file and line", () => {
    const cwd = tempDir({ "dubbo.yaml": "dubbo:\n  protocol:\n    port: 1\n    port: 2\n" });
    const error = loadError(() => loadConfig({ env: {}, cwd }));
    expect(error.message).toContain(`cannot use file ${join(cwd, "dubbo.yaml")} line 4:`);
    expect(error.source).toBe("file");
  });

  it("reports a malformed properties escape with the file and line", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.application.name=a\ndubbo.application.version=\\uZZZZ\n" });
    const error = loadError(() => loadConfig({ env: {}, cwd }));
    expect(error.message).toContain(`cannot use file ${join(cwd, "dubbo.properties")} line 2:`);
  });
});

describe("loadConfig legacy dubbo.service.shutdown.wait.seconds", () => {
  it("is multiplied by 1000", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.service.shutdown.wait.seconds=5\n" });
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.values.service.shutdown.wait).toBe(5000);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.describe().find((e) => e.key === "dubbo.service.shutdown.wait")?.detail).toBe(
      `${join(cwd, "dubbo.properties")} line 1, via dubbo.service.shutdown.wait.seconds`,
    );
  });

  it("loses to the millisecond key in the same source, but follows source precedence", () => {
    const cwd = tempDir({
      "dubbo.properties": "dubbo.service.shutdown.wait=20000\ndubbo.service.shutdown.wait.seconds=5\n",
    });
    expect(loadConfig({ env: {}, cwd }).values.service.shutdown.wait).toBe(20000);
    expect(loadConfig({ env: { DUBBO_SERVICE_SHUTDOWN_WAIT_SECONDS: "3" }, cwd }).values.service.shutdown.wait).toBe(
      3000,
    );
  });

  it("rejects a bad seconds value naming the legacy key", () => {
    const error = loadError(() => loadConfig({ env: { DUBBO_SERVICE_SHUTDOWN_WAIT_SECONDS: "-1" }, cwd: tempDir() }));
    expect(error.message).toBe(
      'invalid dubbo.service.shutdown.wait.seconds "-1" from environment DUBBO_SERVICE_SHUTDOWN_WAIT_SECONDS: ' +
        "expected a non-negative integer number of seconds",
    );
  });
});

describe("loadConfig errors", () => {
  it("names key, value and environment variable", () => {
    const error = loadError(() => loadConfig({ env: { DUBBO_PROTOCOL_PORT: "70000" }, cwd: tempDir() }));
    expect(error.message).toBe(
      'invalid dubbo.protocol.port "70000" from environment DUBBO_PROTOCOL_PORT: expected a port number 1-65535, or 0 for any free port',
    );
    expect(error.key).toBe("dubbo.protocol.port");
    expect(error.value).toBe("70000");
    expect(error.source).toBe("environment");
    expect(error.origin).toBe("environment DUBBO_PROTOCOL_PORT");
    expect(error.problems).toHaveLength(1);
    expect(error.name).toBe("ConfigError");
  });

  it("names the file path and line", () => {
    const cwd = tempDir({ "dubbo.properties": "# qos\n\ndubbo.application.qosEnable=maybe\n" });
    const error = loadError(() => loadConfig({ env: {}, cwd }));
    expect(error.message).toBe(
      `invalid dubbo.application.qos-enable "maybe" from file ${join(cwd, "dubbo.properties")} line 3: expected true or false`,
    );
    expect(error.source).toBe("file");
  });

  it("names the YAML line", () => {
    const cwd = tempDir({ "dubbo.yaml": "dubbo:\n  protocol:\n    port: 70000\n" });
    expect(loadError(() => loadConfig({ env: {}, cwd })).origin).toBe(`file ${join(cwd, "dubbo.yaml")} line 3`);
  });

  it("names code as the source", () => {
    const error = loadError(() =>
      loadConfig({ env: {}, cwd: tempDir(), code: { application: { shutdownDelay: -5 } } }),
    );
    expect(error.message).toBe(
      'invalid dubbo.application.shutdown-delay "-5" from code: expected a non-negative integer number of milliseconds',
    );
    expect(error.source).toBe("code");
  });

  const bad: ReadonlyArray<readonly [string, string, string | RegExp]> = [
    ["DUBBO_APPLICATION_QOS_PORT", "65536", "expected a port number 1-65535"],
    ["DUBBO_PROTOCOL_PORT", "-1", "expected a port number 1-65535"],
    ["DUBBO_APPLICATION_QOS_ENABLE", "maybe", "expected true or false"],
    ["DUBBO_CONSUMER_MESH_ENABLE", "1", "expected true or false"],
    ["DUBBO_CONSUMER_TIMEOUT", "-10", "expected a non-negative integer number of milliseconds"],
    ["DUBBO_PROTOCOL_MAX_CONNECTION_AGE", "5m", "expected a non-negative integer number of milliseconds"],
    ["DUBBO_SERVICE_SHUTDOWN_WAIT", "1.5", "expected a non-negative integer number of milliseconds"],
    ["DUBBO_CONSUMER_RETRIES", "-1", "expected an integer >= 0"],
    ["DUBBO_PROTOCOL_MAX_MESSAGE_SIZE", "0", "expected a positive integer number of bytes"],
    ["DUBBO_PROTOCOL_TRIPLE_MAX_CONCURRENT_STREAMS", "0", "expected an integer from 1 to 2147483647"],
    ["DUBBO_PROVIDER_EXECUTES", "-1", "expected an integer from 0 to 2147483647"],
    ["DUBBO_PROVIDER_EXECUTES", "ten", "expected an integer from 0 to 2147483647"],
    ["DUBBO_PROTOCOL_ACCEPTS", "1.5", "expected an integer from 0 to 2147483647"],
    ["DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP_WHITELIST", "10.0.0.1,10.0.0.0/33", '"10.0.0.0/33" is neither'],
    ["DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP_WHITELIST", "10.0.0.*", '"10.0.0.*" is neither'],
    [
      "DUBBO_APPLICATION_QOS_ANONYMOUS_ACCESS_PERMISSION_LEVEL",
      "ADMIN",
      "expected one of PUBLIC, PROTECTED, PRIVATE, NONE",
    ],
    ["DUBBO_APPLICATION_QOS_ANONYMOUS_ALLOW_COMMANDS", "ls;rm", '"ls;rm" is not a name'],
    ["DUBBO_PROTOCOL_NAME", "http", "expected one of tri, grpc"],
    ["DUBBO_PROTOCOL_HOST", "not a host", "expected an IP address or host name"],
    ["DUBBO_APPLICATION_QOS_HOST", "0.0.0.0:22222", "expected an IP address or host name"],
    [
      "DUBBO_REGISTRY_ADDRESS",
      "zookeeper://x",
      /mesh mode without a registry is the only mode.*supported values: N\/A/,
    ],
    ["DUBBO_REGISTRY_ADDRESS", "nacos://127.0.0.1:8848", /mesh mode without a registry.*N\/A/],
  ];
  it.each(bad)("rejects %s=%s", (name, value, reason) => {
    const error = loadError(() => loadConfig({ env: { [name]: value }, cwd: tempDir() }));
    expect(error.message).toContain(`"${value}" from environment ${name}: `);
    expect(error.message).toMatch(reason);
    expect(error.value).toBe(value);
  });

  it("rejects non-integer and wrongly typed code values", () => {
    expect(loadError(() => loadConfig({ env: {}, cwd: tempDir(), code: { protocol: { port: 1.5 } } })).message).toBe(
      'invalid dubbo.protocol.port "1.5" from code: expected a port number 1-65535, or 0 for any free port',
    );
    const fn = loadError(() =>
      loadConfig({ env: {}, cwd: tempDir(), code: { application: { name: (() => "x") as unknown as string } } }),
    );
    expect(fn.key).toBe("dubbo.application.name");
    expect(fn.message).toContain("expected a string, number, boolean or list of strings");
    expect(
      loadError(() => loadConfig({ env: {}, cwd: tempDir(), code: { protocol: { name: ["tri"] } } })).message,
    ).toContain("expected one of tri, grpc");
  });

  it("aggregates every problem into one error", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.registry.address=zookeeper://x\n" });
    const error = loadError(() =>
      loadConfig({ env: { DUBBO_PROTOCOL_PORT: "70000" }, cwd, code: { consumer: { retries: "-1" } } }),
    );
    expect(error.problems.map((p) => p.key)).toEqual([
      "dubbo.registry.address",
      "dubbo.protocol.port",
      "dubbo.consumer.retries",
    ]);
    expect(error.message.split("\n")[0]).toBe("3 configuration problems:");
    expect(error.message).toContain(
      `invalid dubbo.registry.address "zookeeper://x" from file ${join(cwd, "dubbo.properties")} line 1`,
    );
    expect(error.message).toContain('invalid dubbo.protocol.port "70000" from environment DUBBO_PROTOCOL_PORT');
    expect(error.message).toContain('invalid dubbo.consumer.retries "-1" from code');
    expect(error.key).toBe("dubbo.registry.address");
  });
});

describe("loadConfig warnings", () => {
  it("warns exactly once per ignored key, whatever the spelling and however many sources set it", () => {
    const cwd = tempDir({
      "dubbo.properties": [
        "dubbo.application.metadataServicePort=20885",
        "dubbo.application.metadata-service-port=20886",
        "dubbo.application.qos-check=true",
        "dubbo.provider.timeout=3000",
        "dubbo.tri.builtin.service.init=true",
      ].join("\n"),
    });
    const loaded = loadConfig({
      env: { DUBBO_APPLICATION_METADATA_SERVICE_PORT: "20887", DUBBO_APPLICATION_METADATASERVICEPORT: "20887" },
      cwd,
      code: { application: { metadataServicePort: 20888 } },
    });
    const about = (key: string) => loaded.warnings.filter((w) => w.includes(key));
    expect(about("metadata-service-port")).toEqual([
      "ignored dubbo.application.metadataServicePort (dubbo.application.metadata-service-port) from code: " +
        "dubbo-mesh has no metadata service (mesh mode has no registry)",
    ]);
    expect(about("qos-check")).toHaveLength(1);
    expect(about("dubbo.provider.timeout")).toHaveLength(1);
    expect(about("dubbo.tri.builtin.service.init")).toEqual([
      `ignored dubbo.tri.builtin.service.init from file ${join(cwd, "dubbo.properties")} line 5: ` +
        "the grpc.health.v1 service is always served",
    ]);
    expect(loaded.warnings).toHaveLength(4);
    expect(loaded.values).toEqual(DEFAULTS);
  });

  it("warns once per unknown dubbo key, suggesting the closest known key", () => {
    const cwd = tempDir({
      "dubbo.properties": "dubbo.protocol.prot=50053\ndubbo.protocol.prot=50054\ndubbo.zzz.qqqqqqqqqq=1\n",
    });
    const loaded = loadConfig({ env: {}, cwd, code: { application: { qosAcceptForeignIP: true } } });
    expect(loaded.warnings).toEqual([
      "unknown key dubbo.protocol.prot from file " +
        `${join(cwd, "dubbo.properties")} line 1 is ignored; did you mean dubbo.protocol.port?`,
      `unknown key dubbo.zzz.qqqqqqqqqq from file ${join(cwd, "dubbo.properties")} line 3 is ignored`,
    ]);
    expect(loaded.values.protocol.port).toBe(50052);
    // `qosAcceptForeignIP` normalises to the known key, so it is not unknown.
    expect(loaded.values.application.qosAcceptForeignIp).toBe(true);
  });

  it("does not print anything", () => {
    const cwd = tempDir({ "dubbo.properties": "dubbo.protocol.prot=1\n" });
    const writes: unknown[] = [];
    const original = process.stderr.write.bind(process.stderr);
    const originalOut = process.stdout.write.bind(process.stdout);
    process.stderr.write = ((chunk: unknown) => writes.push(chunk) > 0) as typeof process.stderr.write;
    process.stdout.write = ((chunk: unknown) => writes.push(chunk) > 0) as typeof process.stdout.write;
    try {
      loadConfig({ env: {}, cwd });
    } finally {
      process.stderr.write = original;
      process.stdout.write = originalOut;
    }
    expect(writes).toEqual([]);
  });
});

describe("loadConfig describe()", () => {
  it("lists every known key once, then ignored and unknown keys, masking secrets", () => {
    const cwd = tempDir({
      "dubbo.properties":
        "dubbo.ssl.server-key-password=hunter2\ndubbo.ssl.ca-address=istiod:15012\ndubbo.custom.api-token=abc123\n" +
        "dubbo.ssl.server-private-key-path=/etc/tls/tls.key\n",
    });
    const loaded = loadConfig({ env: {}, cwd });
    const entries = loaded.describe();
    expect(entries.slice(0, SCHEMA_KEYS.length).map((e) => e.key)).toEqual(SCHEMA_KEYS);
    expect(entries.find((e) => e.key === "dubbo.ssl.server-key-password")?.value).toBe("******");
    // A path names where a secret is, it is not one.
    expect(entries.find((e) => e.key === "dubbo.ssl.server-private-key-path")?.value).toBe("/etc/tls/tls.key");
    expect(loaded.values.ssl.serverKeyPassword).toBe("hunter2");
    expect(entries.slice(SCHEMA_KEYS.length)).toEqual([
      {
        key: "dubbo.ssl.ca-address",
        value: "istiod:15012",
        source: "file",
        detail: `ignored: only the server-* and client-* key, certificate and trust files are supported; ${join(cwd, "dubbo.properties")} line 2`,
      },
      {
        key: "dubbo.custom.api-token",
        value: "******",
        source: "file",
        detail: `unknown key, ignored; ${join(cwd, "dubbo.properties")} line 3`,
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain("hunter2");
    expect(loaded.warnings.join("\n")).not.toContain("hunter2");
    expect(loaded.warnings.join("\n")).not.toContain("abc123");
  });

  it("reads dubbo.ssl.* from the environment in Dubbo Java's names", () => {
    const loaded = loadConfig({
      env: {
        DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH: "/tls/tls.crt",
        DUBBO_SSL_SERVER_PRIVATE_KEY_PATH: "/tls/tls.key",
        DUBBO_SSL_SERVER_TRUST_CERT_COLLECTION_PATH: "/tls/ca.crt",
        DUBBO_SSL_SERVER_PERMISSIVE: "true",
        DUBBO_SSL_CLIENT_TRUST_CERT_COLLECTION_PATH: "/tls/ca.crt",
      },
      cwd: tempDir(),
    });
    expect(loaded.values.ssl).toMatchObject({
      serverKeyCertChainPath: "/tls/tls.crt",
      serverPrivateKeyPath: "/tls/tls.key",
      serverTrustCertCollectionPath: "/tls/ca.crt",
      serverPermissive: true,
      clientTrustCertCollectionPath: "/tls/ca.crt",
      clientKeyCertChainPath: undefined,
    });
    expect(() => loadConfig({ env: { DUBBO_SSL_SERVER_PERMISSIVE: "yes" }, cwd: tempDir() })).toThrow(
      /dubbo\.ssl\.server-permissive "yes" from environment DUBBO_SSL_SERVER_PERMISSIVE/,
    );
  });

  it("formats lists comma-joined and returns fresh copies", () => {
    const loaded = loadConfig({
      env: { DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP_WHITELIST: "10.0.0.1, 10.1.0.0/16" },
      cwd: tempDir(),
    });
    const first = loaded.describe();
    expect(first.find((e) => e.key === "dubbo.application.qos-accept-foreign-ip-whitelist")?.value).toBe(
      "10.0.0.1,10.1.0.0/16",
    );
    first.length = 0;
    expect(loaded.describe().length).toBe(SCHEMA_KEYS.length);
  });
});
