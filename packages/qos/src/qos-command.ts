import type { PeerAccess } from "./access-control.js";
import type { PermissionLevel } from "./permission-level.js";
import type { ValidatedQosOptions } from "./qos-options.js";

/** What a command hands back; transports turn it into an HTTP response or telnet output. */
export interface QosCommandResult {
  /** The text answer, without a trailing line break (except Prometheus text, which ends with one). */
  readonly body: string;
  /** HTTP status. Default 200. */
  readonly status?: number;
  /** HTTP content type. Default `text/plain; charset=utf-8`. */
  readonly contentType?: string;
  /** Close the connection after answering (telnet `quit`). */
  readonly close?: boolean;
  /** Do not log a routine success (probes are polled every few seconds). */
  readonly quiet?: boolean;
  /** Extra fields for the command's log line, e.g. the failed checks of a probe. */
  readonly logFields?: Readonly<Record<string, unknown>>;
}

/** Everything a command may use: its arguments, the options (lifecycle, metrics, callbacks) and the peer. */
export interface QosCommandContext {
  readonly args: readonly string[];
  readonly options: ValidatedQosOptions;
  readonly access: PeerAccess;
  /** The port the QOS server listens on, for `ps`. */
  readonly qosPort: number;
  /** Every command, for `help`. */
  readonly commands: readonly QosCommand[];
}

/** QosCommand is one operation of the QOS port, reachable as `GET /<name>` and as a telnet line. */
export interface QosCommand {
  /** The canonical name, e.g. `getConfig`. Names are case-sensitive, as in Dubbo. */
  readonly name: string;
  /** Other names that run the same command, e.g. `offlineApp`. */
  readonly aliases?: readonly string[];
  /** The lowest level that may run it. */
  readonly level: PermissionLevel;
  /** One line for `help`. */
  readonly summary: string;
  /** How to call it, for `help <command>`, e.g. `offline [service]`. */
  readonly usage: string;
  run(context: QosCommandContext, invokedAs: string): QosCommandResult | Promise<QosCommandResult>;
}

/** ok wraps a text body in a 200 result. */
export function ok(body: string): QosCommandResult {
  return { body };
}
