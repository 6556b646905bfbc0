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

/**
 * Each target: the proto folders to generate, where the code is committed, and imports rewritten to a package.
 * google/api (the HTTP rule option) is generated once, in the protocol package, which reads the rules and exports
 * the code as `@dubbo-mesh/protocol/google/*`; the sample's and the fixtures' code import it from there (one copy of
 * each message and extension in a process, not one per package).
 */
const fromProtocol = "rewrite_imports=./google/**/*_pb.js:@dubbo-mesh/protocol";
const targets = [
  { paths: ["proto/grpc", "proto/google"], out: "packages/protocol/src/gen", opt: [] },
  { paths: ["proto/greet"], out: "samples/greeter/src/gen", opt: [fromProtocol] },
  // The framework tests' own service (fixture.v1), compiled with the test fixtures: tests do not use the sample's.
  { paths: ["test/proto/fixture"], out: "test/fixtures/src/gen", opt: [fromProtocol] },
];

for (const { paths, out, opt } of targets) {
  const dir = join(outRoot, out);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: plugin, out: dir, opt: ["target=ts", "import_extension=js", ...opt] }],
  });
  execFileSync(buf, ["generate", "--template", template, ...paths.flatMap((p) => ["--path", p])], {
    cwd: repo,
    stdio: "inherit",
  });
}
