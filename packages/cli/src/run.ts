import { readFileSync } from "node:fs";
import { booleanFlag, parseCommandLine, UsageError } from "./args.js";
import { type Command, commandHelp, commands, helpOption } from "./commands/index.js";
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The text of `dubbo-mesh --help`: every command of the table with its summary. */
export function mainHelp(table: readonly Command[] = commands): string {
  const width = Math.max(...table.map((c) => c.name.length)) + 2;
  return [
    "Usage: dubbo-mesh <command> [arguments] [flags]",
    "",
    "Call, probe and operate dubbo-mesh (Triple/gRPC) applications.",
    "",
    "Commands:",
    ...table.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'dubbo-mesh <command> --help' for a command's arguments, flags, exit codes and examples.",
    "Global flags: -h, --help (this text), --version (the CLI's version).",
  ].join("\n");
}

function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/**
 * Runs `dubbo-mesh` with `argv` (the words after the program name) and resolves to the exit code: the command's own,
 * or 2 for an unknown command or flag, a missing argument or a bad value — with a message naming it and pointing at
 * `--help` on standard error. `--help` anywhere in a command's flags prints its help and exits 0.
 */
export async function runCli(argv: readonly string[], io: Io, table: readonly Command[] = commands): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(mainHelp(table));
    return EXIT_USAGE;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    const command = table.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined) return unknownCommand(topic, io, table);
    io.out(command === undefined ? mainHelp(table) : commandHelp(command));
    return EXIT_OK;
  }
  if (first === "--version" || first === "-v") {
    io.out(cliVersion());
    return EXIT_OK;
  }
  if (first.startsWith("-")) {
    io.err(`dubbo-mesh: unknown flag '${first}' (a command comes first). Run 'dubbo-mesh --help' for usage.`);
    return EXIT_USAGE;
  }
  const command = table.find((c) => c.name === first);
  if (command === undefined) return unknownCommand(first, io, table);
  try {
    const parsed = parseCommandLine(rest, { ...command.options, ...helpOption });
    if (booleanFlag(parsed, "help")) {
      io.out(commandHelp(command));
      return EXIT_OK;
    }
    return await command.run(parsed, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`dubbo-mesh ${command.name}: ${e.message}. Run 'dubbo-mesh ${command.name} --help' for usage.`);
    return EXIT_USAGE;
  }
}

function unknownCommand(name: string, io: Io, table: readonly Command[]): number {
  const names = table.map((c) => c.name).join(", ");
  io.err(`dubbo-mesh: unknown command '${name}' (commands: ${names}). Run 'dubbo-mesh --help' for usage.`);
  return EXIT_USAGE;
}
