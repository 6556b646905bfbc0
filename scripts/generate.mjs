// Regenerates the committed protobuf code with buf and protoc-gen-es.
// Usage: node scripts/generate.mjs [outRoot]   (outRoot defaults to the repo; the staleness test passes a temp dir)
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const outRoot = process.argv[2] ?? repo;
const buf = join(repo, "node_modules", ".bin", "buf");
const plugin = join(repo, "node_modules", ".bin", "protoc-gen-es");

/** Each target: the proto folder to generate and where its code is committed. */
const targets = [
  { path: "proto/grpc", out: "packages/protocol/src/gen" },
  { path: "proto/greet", out: "samples/greeter/src/gen" },
];

for (const { path, out } of targets) {
  const dir = join(outRoot, out);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: plugin, out: dir, opt: ["target=ts", "import_extension=js"] }],
  });
  execFileSync(buf, ["generate", "--template", template, "--path", path], { cwd: repo, stdio: "inherit" });
}
