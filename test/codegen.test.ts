import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const repo = fileURLToPath(new URL("..", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

it("committed generated code is what `npm run generate` produces from proto/", () => {
  const out = mkdtempSync(join(tmpdir(), "dubbo-gen-"));
  try {
    execFileSync(process.execPath, [join(repo, "scripts/generate.mjs"), out], { cwd: repo, stdio: "pipe" });
    const generated = files(out);
    expect(generated.length).toBeGreaterThanOrEqual(2);
    for (const file of generated) {
      const committed = join(repo, relative(out, file));
      expect(readFileSync(committed, "utf8"), `${relative(out, file)} is stale: run npm run generate`).toBe(
        readFileSync(file, "utf8"),
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
