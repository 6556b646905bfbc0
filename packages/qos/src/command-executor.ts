import { errorMessage } from "@dubbo-mesh/runtime";
import { mayRun, type PeerAccess } from "./access-control.js";
import type { QosCommand, QosCommandResult } from "./qos-command.js";
import type { ValidatedQosOptions } from "./qos-options.js";

/** The transport a command arrived on, for logs. */
export type QosTransport = "http" | "telnet";

/** A parsed command invocation. */
export interface QosInvocation {
  /** The command name as typed, e.g. `offlineApp`. */
  readonly name: string;
  readonly args: readonly string[];
  readonly access: PeerAccess;
  readonly transport: QosTransport;
}

/** The outcome of an invocation, with the status decided (200, 404 unknown, 403 denied, 500 failure, ...). */
export interface QosExecution extends QosCommandResult {
  readonly status: number;
}

/**
 * CommandExecutor looks a command up, checks the peer's permission, runs it and logs the outcome.
 * Unknown command: 404. Denied: 403. A command that throws: 500 with its message (logged without a stack).
 */
export class CommandExecutor {
  readonly #options: ValidatedQosOptions;
  readonly #commands: readonly QosCommand[];
  readonly #byName = new Map<string, QosCommand>();
  readonly #qosPort: () => number;

  /** Indexes the commands by name and alias; a duplicate name throws. */
  constructor(options: ValidatedQosOptions, commands: readonly QosCommand[], qosPort: () => number) {
    this.#options = options;
    this.#commands = commands;
    this.#qosPort = qosPort;
    for (const command of commands) {
      for (const name of [command.name, ...(command.aliases ?? [])]) {
        if (this.#byName.has(name)) {
          throw new Error(`two QOS commands are named ${name}`);
        }
        this.#byName.set(name, command);
      }
    }
  }

  /** execute runs one invocation and never rejects. */
  async execute(invocation: QosInvocation): Promise<QosExecution> {
    const { name, args, access, transport } = invocation;
    const logBase = { peer: access.peer, transport, command: name };
    const command = this.#byName.get(name);
    if (command === undefined) {
      this.#options.logger.warn({ event: "qos.command", ...logBase, status: 404 });
      return { status: 404, body: `Unknown command: ${name}. Try help for the list of commands.` };
    }
    if (!mayRun(access, command, name, this.#options)) {
      this.#options.logger.warn({
        event: "qos.denied",
        ...logBase,
        status: 403,
        required: command.level,
        granted: access.level,
      });
      return { status: 403, body: `Permission denied: ${name} needs ${command.level} access` };
    }
    try {
      const result = await command.run(
        {
          args,
          options: this.#options,
          access,
          qosPort: this.#qosPort(),
          commands: this.#commands,
        },
        name,
      );
      const status = result.status ?? 200;
      if (!result.quiet || status >= 400) {
        this.#options.logger.info({ event: "qos.command", ...logBase, args, status, ...result.logFields });
      }
      return { ...result, status };
    } catch (error) {
      const message = errorMessage(error);
      this.#options.logger.error({ event: "qos.command-failed", ...logBase, status: 500, message });
      return { status: 500, body: `Command ${name} failed: ${message}` };
    }
  }
}
