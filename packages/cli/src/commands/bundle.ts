import { booleanFlag, type ParsedArgs, stringFlag, UsageError } from "../args.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { Command } from "./command.js";

/**
 * `dubbo-mesh bundle <entry.js>... --outdir <dir>`: one start-up-fast ES module file per entry point of a compiled
 * application, with every dependency inside (see `bundleApplication`).
 */
export const bundleCommand: Command = {
  name: "bundle",
  summary: "Bundle a compiled application into one file per entry point: starts in about half the time.",
  usage: "bundle <entry.js>... --outdir <dir> [flags]",
  description: [
    "Bundles each compiled entry point (e.g. dist/provider.js) with dubbo-mesh and every other dependency into " +
      "<dir>/<name>.mjs for Node >= 22, so the application starts without resolving and loading hundreds of modules " +
      "from node_modules: what a Kubernetes startup probe and a rolling restart wait for. Run it with node <dir>/<name>.mjs.",
    "Files the application reads relative to import.meta.url (e.g. new URL('../dubbo.properties', import.meta.url)) " +
      "resolve from the bundle's folder: put <dir> beside dist/ to keep such paths working.",
    "Exit codes: 0 written (each bundle and its size on standard output); 1 the bundler failed (its messages, with " +
      "file and line, on standard error); 2 bad command line or an entry that does not exist.",
  ],
  options: {
    outdir: { type: "string", valueName: "dir", description: "Folder to write the bundles to (required)." },
    "no-sourcemap": { type: "boolean", description: "Do not write <name>.mjs.map beside each bundle." },
    minify: { type: "boolean", description: "Minify (identifiers keep their names for stack traces)." },
  },
  examples: [
    "dubbo-mesh bundle dist/provider.js --outdir bundle && node bundle/provider.mjs",
    "dubbo-mesh bundle samples/greeter/dist/provider.js samples/greeter/dist/consumer.js --outdir samples/greeter/bundle",
  ],
  run: runBundle,
};

async function runBundle(args: ParsedArgs, io: Io): Promise<number> {
  const outdir = stringFlag(args, "outdir");
  if (outdir === undefined) throw new UsageError("missing --outdir <dir>");
  if (args.positionals.length === 0) throw new UsageError("missing <entry.js>: the compiled entry point to bundle");
  const { BundleError, bundleApplication } = await import("../bundle/bundle-application.js");
  try {
    const outputs = await bundleApplication({
      entries: args.positionals,
      outdir,
      sourcemap: !booleanFlag(args, "no-sourcemap"),
      minify: booleanFlag(args, "minify"),
    });
    for (const o of outputs) io.out(`${o.file}  ${(o.bytes / 1024).toFixed(0)} KiB  (from ${o.entry})`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    if (e.kind === "entry") throw new UsageError(e.message);
    io.err(`dubbo-mesh bundle: ${e.message}`);
    return EXIT_FAILURE;
  }
}
