import type { QosCommand } from "../qos-command.js";
import { getConfigCommand } from "./get-config-command.js";
import { helpCommand } from "./help-command.js";
import { lsCommand } from "./ls-command.js";
import { metricsCommand } from "./metrics-command.js";
import {
  offlineAppCommand,
  offlineCommand,
  offlineInterfaceCommand,
  onlineAppCommand,
  onlineCommand,
  onlineInterfaceCommand,
} from "./online-offline-commands.js";
import { liveCommand, readyCommand, startupCommand } from "./probe-commands.js";
import { psCommand } from "./ps-command.js";
import { quitCommand } from "./quit-command.js";
import { versionCommand } from "./version-command.js";

export { prometheusTextContentType } from "./metrics-command.js";

/**
 * The built-in commands, in `help` order. Levels: PUBLIC live, ready, startup, quit; PROTECTED help, ls, ps,
 * version, metrics and the online/offline family; PRIVATE getConfig.
 */
export const builtinCommands: readonly QosCommand[] = [
  helpCommand,
  lsCommand,
  psCommand,
  versionCommand,
  onlineCommand,
  offlineCommand,
  onlineAppCommand,
  offlineAppCommand,
  onlineInterfaceCommand,
  offlineInterfaceCommand,
  getConfigCommand,
  metricsCommand,
  liveCommand,
  readyCommand,
  startupCommand,
  quitCommand,
];
