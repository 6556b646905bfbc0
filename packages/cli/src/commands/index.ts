import { bundleCommand } from "./bundle.js";
import type { Command } from "./command.js";
import { healthCommand } from "./health.js";
import { invokeCommand } from "./invoke.js";
import { manifestsCommand } from "./manifests.js";
import { qosCommand } from "./qos.js";

/**
 * Every `dubbo-mesh` command, in the order `dubbo-mesh --help` lists them. A new command is one file exporting a
 * `Command` and one line here.
 */
export const commands: readonly Command[] = [invokeCommand, healthCommand, qosCommand, manifestsCommand, bundleCommand];

export { type Command, commandHelp, helpOption } from "./command.js";
