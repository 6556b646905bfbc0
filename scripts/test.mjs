// The project's one test command (`npm test`): build, lint, run every test, print a plain summary line.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(repo, "node_modules", ".bin", name);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: repo, stdio: "inherit" }).status ?? 1;

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`dubbo-mesh needs Node >= 22 (engines.node); this is ${process.version}`);
  process.exit(1);
}
if (run(bin("tsc"), ["-b"]) !== 0) process.exit(1);
if (run(bin("biome"), ["check", "."]) !== 0) process.exit(1);
mkdirSync(join(repo, "test-results"), { recursive: true });
const report = join(repo, "test-results", "vitest.json");
const status = run(bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
  if (r.numTotalTests === 0) process.exit(1);
} catch {
  console.log("\n0 passed, 1 failed");
  process.exit(1);
}
process.exit(status);
