// The README's TypeScript snippets, run as programs against localhost, so they stay true: each ```ts block is
// transpiled (esbuild: types and standard decorators), given the greeter sample's names it uses without declaring,
// and run in its own Node process next to a greeter provider this test starts. The README's well-known ports are
// swapped for free ones (`port: 50052` -> 0, `127.0.0.1:50052` -> that provider), so parallel tests do not collide.
// A block preceded by `<!-- readme-test: skip (reason) -->` is not run, nor is one that names an IP address outside
// loopback (tests send traffic to loopback only): such a block is reported as skipped with that reason.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createProvider } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { GreeterImpl, GreeterService } from "@dubbo-mesh/sample-greeter";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/processes.js";

/** One ```ts block of a README: where it is and its text. */
interface Snippet {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly skip: string | undefined;
}

/** Every ```ts block of a markdown file, with the skip reason of a `<!-- readme-test: skip (...) -->` before it. */
function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(join(repoRoot, file), "utf8").split("\n");
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```ts") continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]?.trim() !== "```"; i++) body.push(lines[i] ?? "");
    const before = lines.slice(Math.max(0, start - 2), start).join("\n");
    const skip = /<!-- readme-test: skip \(([^)]*)\) -->/.exec(before)?.[1];
    out.push({ file, line: start + 1, code: body.join("\n"), skip });
  }
  return out;
}

/** Names from the greeter sample a snippet may use without importing them, as the README's prose introduces them. */
const SAMPLE_NAMES = ["GreeterService", "GreetRequest", "GreeterImpl"];

/** The snippet as a program: the sample's names it uses but does not declare, its ports swapped, a last line. */
function programOf(snippet: Snippet, providerTarget: string): string {
  const declared = (name: string) => new RegExp(`\\b(class|const|let|function|type|interface)\\s+${name}\\b`);
  const used = SAMPLE_NAMES.filter(
    (n) => new RegExp(`\\b${n}\\b`).test(snippet.code) && !declared(n).test(snippet.code),
  );
  const prelude = used.length > 0 ? `import { ${used.join(", ")} } from "@dubbo-mesh/sample-greeter";\n` : "";
  const code = snippet.code.replaceAll("port: 50052", "port: 0").replaceAll("127.0.0.1:50052", providerTarget);
  return `${prelude}${code}\nconsole.log("readme-snippet-done");\nprocess.exit(0);\n`;
}

/** Runs a program file with Node; resolves with its exit code and output. */
function run(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path], {
      cwd: repoRoot,
      env: {
        ...process.env,
        DUBBO_PROTOCOL_HOST: "127.0.0.1",
        DUBBO_PROTOCOL_PORT: "0",
        DUBBO_APPLICATION_QOS_HOST: "127.0.0.1",
        DUBBO_APPLICATION_QOS_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Why a snippet must not run here: it names an IPv4 address outside 127.0.0.0/8. */
function offLoopback(code: string): string | undefined {
  const ip = [...code.matchAll(/\b(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g)].find((m) => m[1] !== "127");
  return ip ? `names ${ip[0]}, outside loopback` : undefined;
}

const snippets = snippetsOf("README.md");
const outDir = join(repoRoot, "test-results", "readme-snippets");

describe("README TypeScript snippets run as written", () => {
  let provider: ReturnType<typeof createProvider>;
  let target = "";
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    provider = createProvider({ port: 0, host: "127.0.0.1", logger: silentLogger }).service(
      GreeterService,
      new GreeterImpl(),
      { version: "1.0.0" },
    );
    const { port } = await provider.start();
    target = `127.0.0.1:${port}`;
  });
  afterAll(() => provider.stop({ graceMs: 1000 }));

  it("finds the snippets", () => {
    expect(snippets.filter((s) => s.file === "README.md").length).toBeGreaterThanOrEqual(3);
  });

  for (const snippet of snippets) {
    const skip = snippet.skip ?? offLoopback(snippet.code);
    const name = `${snippet.file}:${snippet.line}${skip ? ` (skipped: ${skip})` : ""}`;
    it.skipIf(skip !== undefined)(name, async () => {
      const { code } = await transform(programOf(snippet, target), {
        loader: "ts",
        format: "esm",
        target: "es2022",
        sourcefile: name,
      });
      const path = join(outDir, `${snippet.file.replaceAll("/", "_")}-${snippet.line}.mjs`);
      writeFileSync(path, code);
      const r = await run(path);
      expect(r.stderr, `${name} wrote to stderr`).toBe("");
      expect(r.code, `${name} exited with ${r.code}:\n${r.stdout}`).toBe(0);
      expect(r.stdout).toContain("readme-snippet-done");
    });
  }
});
