import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/processes.js";

describe("dubbo-mesh demo (npm start)", () => {
  it("balances per request over 3 providers through a rolling restart with no failed call, then exits 0", () => {
    const r = spawnSync(process.execPath, ["samples/greeter/dist/demo/main.js", "--duration", "6"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const summary = /summary: (\d+) calls in [\d.]+ s \(\d+\/s\), (\d+) failed/.exec(r.stdout);
    expect(summary, r.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThan(300);
    expect(Number(summary?.[2])).toBe(0);
    const lines = [...r.stdout.matchAll(/provider-(\d) 127\.0\.0\.1:\d+: (\d+) calls \(([\d.]+)%\), (\d) process/g)];
    expect(lines).toHaveLength(3);
    for (const [, , calls] of lines) expect(Number(calls)).toBeGreaterThan(0);
    expect(lines[0]?.[4]).toBe("2"); // provider-1 was restarted
    expect(r.stdout).toMatch(/provider-1: exited with 0/);
    expect(r.stdout).toMatch(/ready/);
  });

  it("refuses a bad flag value with exit 2, naming it", () => {
    const r = spawnSync(process.execPath, ["samples/greeter/dist/demo/main.js", "--providers", "99"], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--providers");
  });
});
