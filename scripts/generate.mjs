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
// google/api (the HTTP rule option) goes to both: the protocol package reads rules, the sample's code imports them.
const targets = [
  { paths: ["proto/grpc", "proto/google"], out: "packages/protocol/src/gen" },
  { paths: ["proto/greet", "proto/google"], out: "samples/greeter/src/gen" },
  // The framework tests' own service (fixture.v1), compiled with the test fixtures: tests do not use the sample's.
  { paths: ["test/proto/fixture", "proto/google"], out: "test/fixtures/src/gen" },
];

for (const { paths, out } of targets) {
  const dir = join(outRoot, out);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: plugin, out: dir, opt: ["target=ts", "import_extension=js"] }],
  });
  execFileSync(buf, ["generate", "--template", template, ...paths.flatMap((p) => ["--path", p])], {
    cwd: repo,
    stdio: "inherit",
  });
}
