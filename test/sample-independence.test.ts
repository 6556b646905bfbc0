// The framework's tests use their own service (test/proto, fixture.v1) so that the greeter sample can change
// freely; only the tests of the sample itself may reach it. This keeps new tests from depending on it again.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const testDir = fileURLToPath(new URL(".", import.meta.url));

/** The tests of the sample (its README snippets, demo, manifests, bundle, Compose/Envoy files, providers behind HAProxy). */
const sampleTests = new Set([
  "bundle.test.ts",
  "compose-envoy.test.ts",
  "demo.test.ts",
  "haproxy-balancing.test.ts",
  "manifests.test.ts",
  "metrics.test.ts", // checks the queries of the sample's Grafana dashboard against the exposition

  "readme.test.ts",
  "sample-greeter.test.ts",
  "sample-independence.test.ts",
  "support/greeter-proto.ts", // names the sample's proto in its doc comment
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ["dist", "node_modules", "gen"].includes(entry.name) ? [] : sources(path);
    return /\.(ts|mjs|py)$/.test(entry.name) ? [path] : [];
  });
}

it("no framework test, support module, fixture or peer uses the greeter sample", () => {
  const offenders = sources(testDir)
    .map((path) => relative(testDir, path))
    .filter((file) => !sampleTests.has(file))
    .filter((file) =>
      /@dubbo-mesh\/sample-greeter|samples\/greeter|\bgreet\.v1\b/.test(readFileSync(join(testDir, file), "utf8")),
    );
  expect(offenders, "use test/support/greeter-proto.ts (fixture.v1) instead").toEqual([]);
});
