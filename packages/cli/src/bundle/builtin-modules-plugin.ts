import { builtinModules } from "node:module";
import type { Plugin } from "esbuild";

const NAMESPACE = "dubbo-mesh-builtin";
const builtins = new Set(builtinModules);

/**
 * An esbuild plugin that loads Node's own modules with `process.getBuiltinModule` instead of `import` statements.
 * Importing a built-in as an ES module makes Node build its module facade, which reads every export — and some are
 * lazy: reading node:http's loads the bundled undici (fetch), ~30-40 ms, node:fs's loads fs streams and fs/promises.
 * `getBuiltinModule` returns the module object without a facade.
 */
export function builtinModulesPlugin(): Plugin {
  return {
    name: "dubbo-mesh-builtin-modules",
    setup(build) {
      build.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
        const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!builtins.has(bare) || args.kind === "require-call") return undefined;
        return { path: bare, namespace: NAMESPACE };
      });
      // A CommonJS module: esbuild binds named imports of it to property reads at the use sites (through getters),
      // so lazy exports stay lazy; an ES module re-exporting names would have to read every one up front.
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)});`,
        loader: "js",
      }));
    },
  };
}
