import { formatTable } from "../format-table.js";
import { ok, type QosCommand } from "../qos-command.js";

/** `help`: lists every command with a one-line summary; `help <command>` explains one. PROTECTED. */
export const helpCommand: QosCommand = {
  name: "help",
  level: "PROTECTED",
  summary: "List the commands, or explain one: help <command>",
  usage: "help [command]",
  run({ args, commands }) {
    const wanted = args[0];
    if (wanted !== undefined) {
      const command = commands.find((c) => c.name === wanted || c.aliases?.includes(wanted));
      if (command === undefined) {
        return { body: `Unknown command: ${wanted}`, status: 404 };
      }
      const lines = [`${command.name}: ${command.summary}`, `usage: ${command.usage}`, `access: ${command.level}`];
      if (command.aliases !== undefined && command.aliases.length > 0) {
        lines.push(`aliases: ${command.aliases.join(", ")}`);
      }
      return ok(lines.join("\n"));
    }
    return ok(formatTable(commands.map((command) => [command.name, command.summary])));
  },
};
