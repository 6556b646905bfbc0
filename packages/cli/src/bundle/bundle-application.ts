import { existsSync, statSync } from "node:fs";
import { basename, extname, relative, resolve } from "node:path";
import { errorMessage } from "@dubbo-mesh/runtime";
import { builtinModulesPlugin } from "./builtin-modules-plugin.js";

/** The package.json condition under which dubbo-mesh's lazily loaded modules resolve to static imports. */
export const BUNDLE_CONDITION = "dubbo-mesh-bundle";

/** What to bundle and where. */
export interface BundleOptions {
  /** Compiled JavaScript entry points (e.g. dist/provider.js); each becomes `<outdir>/<name>.mjs`. */
  readonly entries: readonly string[];
  /** Output folder. Files the application reads relative to `import.meta.url` resolve from here, not from dist/. */
  readonly outdir: string;
  /** Write `<name>.mjs.map` beside each bundle (Node uses them with --enable-source-maps). Default true. */
  readonly sourcemap?: boolean;
  /** Minify identifiers and whitespace. Default false: stack traces stay readable without source maps. */
  readonly minify?: boolean;
  /** Resolve paths from here. Default process.cwd(). */
  readonly cwd?: string;
}

/** One written bundle. */
export interface BundleOutput {
  readonly entry: string;
  readonly file: string;
  readonly bytes: number;
}

/**
 * A bundle that could not be built: a bad entry (`kind: "entry"`: missing, or two with one name) or the bundler's
 * messages, each with file and line (`kind: "build"`).
 */
export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(
    readonly kind: "entry" | "build",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Bundles a dubbo-mesh application into one ES module file per entry with esbuild: the application, dubbo-mesh,
 * @connectrpc/*, @bufbuild/protobuf and every other dependency, for Node >= 22. A bundle starts in about half the time
 * of the same application loaded from node_modules (Node resolves, reads and links each of the ~250 modules one by
 * one; a bundle is one file), which is what a Kubernetes startup probe and a rolling restart wait for.
 *
 * dubbo-mesh's lazily loaded modules (the consumer package, the YAML parser) are required at run time from
 * node_modules when not bundled; with the `dubbo-mesh-bundle` condition they resolve to static imports, so the bundle
 * needs no node_modules. Node's own modules stay outside the bundle and load through `process.getBuiltinModule`
 * (see `builtinModulesPlugin`); CommonJS dependencies get a `require` from `createRequire(import.meta.url)`.
 */
export async function bundleApplication(options: BundleOptions): Promise<BundleOutput[]> {
  const cwd = options.cwd ?? process.cwd();
  const entries = options.entries.map((entry) => resolve(cwd, entry));
  for (const [i, entry] of entries.entries()) {
    if (!existsSync(entry) || !statSync(entry).isFile()) {
      throw new BundleError(
        "entry",
        `entry ${options.entries[i]} does not exist (compile the application first, e.g. tsc -b)`,
      );
    }
  }
  const names = entries.map((entry) => basename(entry, extname(entry)));
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new BundleError("entry", `two entries are named '${duplicate}': they would overwrite each other`);
  const outdir = resolve(cwd, options.outdir);
  // Loaded here, not at the top: only this command needs the bundler.
  const esbuild = await import("esbuild");
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
      entryPoints: Object.fromEntries(names.map((name, i) => [name, entries[i] as string])),
      outdir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      conditions: [BUNDLE_CONDITION],
      sourcemap: options.sourcemap === false ? false : "linked",
      minify: options.minify ?? false,
      keepNames: true,
      legalComments: "linked",
      banner: {
        js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);',
      },
      plugins: [builtinModulesPlugin()],
      metafile: true,
      logLevel: "silent",
      absWorkingDir: cwd,
    });
  } catch (e) {
    const failure = e as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
    const lines = (failure.errors ?? []).map((m) =>
      m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text,
    );
    throw new BundleError("build", lines.length > 0 ? lines.join("\n") : errorMessage(e));
  }
  const outputs: BundleOutput[] = [];
  for (const [file, meta] of Object.entries(result.metafile?.outputs ?? {})) {
    if (meta.entryPoint === undefined) continue;
    outputs.push({
      entry: relative(cwd, resolve(cwd, meta.entryPoint)),
      file: relative(cwd, resolve(cwd, file)),
      bytes: meta.bytes,
    });
  }
  return outputs;
}
