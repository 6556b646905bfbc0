import type { OptionSpec, OptionSpecs, ParsedArgs } from "../args.js";
import type { Io } from "../io.js";

/**
 * One `dubbo-mesh` sub-command. Each lives in its own file under commands/ and is listed in the table of
 * commands/index.ts; the dispatcher parses its flags from `options` (so `--help` and parsing never disagree),
 * answers `--help` from the fields below and runs it with the rest.
 */
export interface Command {
  /** The word after `dubbo-mesh`, e.g. `invoke`. */
  readonly name: string;
  /** One line for `dubbo-mesh --help`. */
  readonly summary: string;
  /** The synopsis after `dubbo-mesh`, e.g. `invoke <target> <package.Service/Method> [json] [flags]`. */
  readonly usage: string;
  /** Paragraphs for `--help`: what it does, its arguments, its exit codes. */
  readonly description: readonly string[];
  /** The flags besides `--help`, which every command has. */
  readonly options: OptionSpecs;
  /** Complete command lines for `--help`, starting with `dubbo-mesh`. */
  readonly examples: readonly string[];
  /** Runs the command; resolves to the process exit code. A `UsageError` thrown here exits 2 with its message. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** The `--help` flag every command gets. */
export const helpOption: OptionSpecs = {
  help: { type: "boolean", short: "h", description: "Show this help and exit." },
};

/** The text of `dubbo-mesh <command> --help`: usage, description, flags with their values and defaults, examples. */
export function commandHelp(command: Command): string {
  const flags = Object.entries<OptionSpec>({ ...command.options, ...helpOption }).map(([name, spec]) => {
    const short = spec.short === undefined ? "    " : `-${spec.short}, `;
    const value = spec.type === "string" ? ` <${spec.valueName ?? "value"}>` : "";
    const repeat = spec.multiple === true ? " (repeatable)" : "";
    return { left: `${short}--${name}${value}`, right: `${spec.description}${repeat}` };
  });
  const width = Math.max(...flags.map((f) => f.left.length)) + 2;
  return [
    `Usage: dubbo-mesh ${command.usage}`,
    "",
    command.summary,
    "",
    ...command.description.flatMap((paragraph) => [wrap(paragraph, 0), ""]),
    "Flags:",
    ...flags.map((f) => `  ${f.left.padEnd(width)}${wrap(f.right, width + 2).trimStart()}`),
    "",
    "Examples:",
    ...command.examples.map((example) => `  ${example}`),
  ].join("\n");
}

/** Help lines are wrapped at this column. */
const COLUMNS = 100;

/** Wraps text at word boundaries to `COLUMNS`, every line indented by `indent` spaces. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent + line.length + 1 + word.length > COLUMNS) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((l) => " ".repeat(indent) + l).join("\n");
}
