import { checkedOption, defaultOf, optionValue, positiveDurationValue } from "@dubbo-mesh/runtime";
import { AddressMatcher } from "./peer-address.js";
import { type PermissionLevel, parsePermissionLevel } from "./permission-level.js";
import { jsonLineLogger, type QosLogger } from "./qos-logger.js";
import type { QosConfigEntry, QosLifecycle, QosMetrics, QosPort, QosReference } from "./qos-runtime.js";

// node:fs through process.getBuiltinModule, not an import: the ES module facade of node:fs reads every export, and
// its lazy ones load fs streams, fs/promises and readline — ~6 ms of every start-up, for nothing used here.
const { readFileSync } = process.getBuiltinModule("node:fs");

/** The default QOS port, `dubbo.application.qos-port`. */
export const defaultQosPort: number = defaultOf("dubbo.application.qos-port");

/**
 * Options of the QOS server. Where Dubbo has a key for an option, it is named; the config loader maps those
 * keys (both spellings, e.g. `qos-accept-foreign-ip` and `qosAcceptForeignIp`) onto these fields.
 * `dubbo.application.qos-enable` (default true) is not an option here: it decides whether to create the server.
 */
export interface QosOptions {
  /** The application lifecycle the probes and commands read and change. Required. */
  lifecycle: QosLifecycle;
  /** The metrics the `metrics` command renders. Default none: `metrics` answers an empty body. */
  metrics?: QosMetrics;
  /** TCP port, `dubbo.application.qos-port`. Default 22222; 0 picks a free port (tests). */
  port?: number;
  /** Bind address, `dubbo.application.qos-host`. Default unset: all interfaces. */
  host?: string;
  /**
   * Let non-loopback, non-whitelisted peers connect at all, `dubbo.application.qos-accept-foreign-ip`.
   * Default false: they get a 403 (HTTP) or a refusal line (telnet) and the connection is closed.
   */
  acceptForeignIp?: boolean;
  /**
   * Addresses and CIDR blocks (IPv4 and IPv6) that may always connect, with PROTECTED access,
   * `dubbo.application.qos-accept-foreign-ip-whitelist`. An array or a comma-separated string. Default empty.
   */
  acceptForeignIpWhitelist?: string | readonly string[];
  /**
   * Level of other foreign peers when acceptForeignIp is true,
   * `dubbo.application.qos-anonymous-access-permission-level`. Case-insensitive. Default PUBLIC (probes and quit).
   */
  anonymousLevel?: PermissionLevel | string;
  /**
   * Commands any accepted peer may run whatever its level, `dubbo.application.qos-anonymous-allow-commands`.
   * An array or a comma-separated string. Default empty.
   */
  anonymousAllowCommands?: string | readonly string[];
  /**
   * Close a connection that sends nothing for this long, in ms, `dubbo.application.qos-idle-timeout` (Dubbo
   * hard-codes 5 minutes). Default 300000.
   */
  idleTimeoutMs?: number;
  /**
   * Time a client has to send a whole HTTP request (headers and body) or a whole telnet line, from its first byte,
   * in ms, `dubbo.application.qos-request-timeout`; a slower one is closed (HTTP with 408). The port answers anything
   * in the cluster before any permission check, so a client trickling bytes must not hold a connection. Default 30000.
   */
  requestTimeoutMs?: number;
  /**
   * Connections open at once, `dubbo.application.qos-max-connections`; one more is closed as soon as it is accepted
   * (Node's `server.maxConnections`). Default 64.
   */
  maxConnections?: number;
  /**
   * How long to wait for a first byte before treating a silent client as an interactive telnet user and
   * greeting it (Dubbo: 500 ms). Default 500.
   */
  protocolDetectMs?: number;
  /** The effective configuration for `getConfig`. Default none: `getConfig` says so. */
  getConfig?: () => readonly QosConfigEntry[] | Promise<readonly QosConfigEntry[]>;
  /** The protocol ports for `ps` (the QOS port is added by the server). Default none. */
  listPorts?: () => readonly QosPort[];
  /** The consumer references for `ls`. Default none. */
  listReferences?: () => readonly QosReference[];
  /** The version printed by `version`. Default: the version of this package. */
  version?: string;
  /** Where log events go. Default jsonLineLogger (JSON lines on stdout). */
  logger?: QosLogger;
}

/** QosOptions with defaults filled in and lists parsed. */
export interface ValidatedQosOptions {
  readonly lifecycle: QosLifecycle;
  readonly metrics: QosMetrics | undefined;
  readonly port: number;
  readonly host: string | undefined;
  readonly acceptForeignIp: boolean;
  readonly whitelist: AddressMatcher;
  readonly anonymousLevel: PermissionLevel;
  readonly anonymousAllowCommands: ReadonlySet<string>;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly protocolDetectMs: number;
  readonly getConfig: (() => readonly QosConfigEntry[] | Promise<readonly QosConfigEntry[]>) | undefined;
  readonly listPorts: () => readonly QosPort[];
  readonly listReferences: () => readonly QosReference[];
  readonly version: string;
  readonly logger: QosLogger;
}

/**
 * validateQosOptions fills the defaults and checks every option, throwing an Error that names the Dubbo key
 * and the bad value.
 */
export function validateQosOptions(options: QosOptions): ValidatedQosOptions {
  const port = optionValue("port", "dubbo.application.qos-port", options.port);
  const anonymousLevel = parsePermissionLevel(
    options.anonymousLevel ?? defaultOf("dubbo.application.qos-anonymous-access-permission-level"),
  );
  if (anonymousLevel === undefined) {
    throw new Error(
      `dubbo.application.qos-anonymous-access-permission-level: invalid level "${String(options.anonymousLevel)}" (NONE, PUBLIC, PROTECTED or PRIVATE)`,
    );
  }
  let whitelist: AddressMatcher;
  try {
    whitelist = new AddressMatcher(splitList(options.acceptForeignIpWhitelist));
  } catch (error) {
    throw new Error(`dubbo.application.qos-accept-foreign-ip-whitelist: ${(error as Error).message}`);
  }
  return {
    lifecycle: options.lifecycle,
    metrics: options.metrics,
    port,
    host: options.host === "" ? undefined : options.host,
    acceptForeignIp: optionValue("acceptForeignIp", "dubbo.application.qos-accept-foreign-ip", options.acceptForeignIp),
    whitelist,
    anonymousLevel,
    anonymousAllowCommands: new Set(splitList(options.anonymousAllowCommands)),
    idleTimeoutMs: optionValue("idleTimeoutMs", "dubbo.application.qos-idle-timeout", options.idleTimeoutMs),
    requestTimeoutMs: optionValue(
      "requestTimeoutMs",
      "dubbo.application.qos-request-timeout",
      options.requestTimeoutMs,
    ),
    maxConnections: optionValue("maxConnections", "dubbo.application.qos-max-connections", options.maxConnections),
    protocolDetectMs: checkedOption("protocolDetectMs", positiveDurationValue, options.protocolDetectMs, 500),
    getConfig: options.getConfig,
    listPorts: options.listPorts ?? (() => []),
    listReferences: options.listReferences ?? (() => []),
    version: options.version ?? packageVersion(),
    logger: options.logger ?? jsonLineLogger,
  };
}

function splitList(value: string | readonly string[] | undefined): string[] {
  const items = typeof value === "string" ? value.split(",") : (value ?? []);
  return items.map((item) => item.trim()).filter((item) => item !== "");
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const { version } = JSON.parse(text) as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
