// `dubbo-mesh bundle`: the greeter sample bundled into one file per entry, run from a folder with no node_modules
// anywhere above it, so every module it needs (dubbo-mesh's lazily loaded consumer package and YAML parser included)
// must be inside the bundle.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventProcess, repoRoot, spawnNode } from "./support/processes.js";

const cli = join(repoRoot, "packages/cli/dist/bin.js");

function runCli(args: string[], cwd = repoRoot) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
}

function hasNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) return true;
    if (dirname(d) === d) return false;
  }
}

describe("dubbo-mesh bundle: the greeter sample as single files", () => {
  let dir: string;
  let build: ReturnType<typeof runCli>;
  const started: EventProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dm-bundle-"));
    // The sample reads ../dubbo-*.properties relative to its entry: beside the bundle folder, as beside dist/.
    for (const f of ["dubbo-provider.properties", "dubbo-consumer.properties"]) {
      copyFileSync(join(repoRoot, "samples/greeter", f), join(dir, f));
    }
    build = runCli([
      "bundle",
      "samples/greeter/dist/provider.js",
      "samples/greeter/dist/consumer.js",
      "--outdir",
      join(dir, "bundle"),
    ]);
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function startProvider(env: Record<string, string> = {}) {
    const p = spawnNode(join(dir, "bundle/provider.mjs"), {
      DUBBO_PROTOCOL_PORT: "0",
      DUBBO_APPLICATION_QOS_PORT: "0",
      DUBBO_PROTOCOL_HOST: "127.0.0.1",
      ...env,
    });
    started.push(p);
    const listening = await p.waitFor((e) => e.event === "provider-listening");
    const app = await p.waitFor((e) => e.event === "application-started");
    return { p, port: Number(listening.port), app };
  }

  it("writes one .mjs per entry (and its source map) and lists them", () => {
    expect(build.stderr).toBe("");
    expect(build.status).toBe(0);
    for (const name of ["provider", "consumer"]) {
      expect(build.stdout).toMatch(new RegExp(`bundle/${name}\\.mjs  \\d+ KiB`));
      expect(existsSync(join(dir, "bundle", `${name}.mjs`))).toBe(true);
      expect(existsSync(join(dir, "bundle", `${name}.mjs.map`))).toBe(true);
    }
    expect(hasNodeModulesAbove(join(dir, "bundle"))).toBe(false);
  });

  it("loads Node's own modules without ES module facades (node:http's would load undici at start-up)", () => {
    const code = readFileSync(join(dir, "bundle/provider.mjs"), "utf8");
    const builtinImports = code.match(/^import .* from "(node:)?[a-z_/0-9]+";$/gm) ?? [];
    expect(builtinImports).toEqual([]);
    expect(code).toContain('process.getBuiltinModule("node:http")');
    expect(code).toContain('process.getBuiltinModule("node:http2")');
  });

  it("the bundled provider serves, answers QOS /startup, and the bundled consumer runs all four call kinds", async () => {
    const { port, app } = await startProvider();
    const startup = await fetch(`http://127.0.0.1:${app.qosPort}/startup`);
    expect(startup.status).toBe(200);
    const consumer = spawnSync(process.execPath, [join(dir, "bundle/consumer.mjs")], {
      cwd: dir,
      env: { ...process.env, DUBBO_CONSUMER_URL: `http://127.0.0.1:${port}`, DUBBO_APPLICATION_QOS_ENABLE: "false" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(consumer.stderr).not.toMatch(/Cannot find|ERR_MODULE_NOT_FOUND/);
    expect(consumer.status).toBe(0);
    const replies = consumer.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; reply?: string })
      .filter((e) => e.event.startsWith("greet"));
    expect(replies.map((e) => e.event)).toEqual([
      "greet",
      "greet-stream",
      "greet-stream",
      "greet-stream",
      "greet-client-stream",
      "greet-bidi",
      "greet-bidi",
    ]);
    expect(replies[0]?.reply).toBe(`hello, alice from 127.0.0.1:${port}`);
    // prom-client is inside the bundle too, loaded after start-up: QOS /metrics has the calls and Node's metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${app.qosPort}/metrics`)).text();
    expect(metrics).toMatch(/^dubbo_provider_requests_succeed_total\{[^}]*method="Greet"[^}]*\} 1$/m);
    expect(metrics).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
  });

  it("reads a YAML config file (the YAML parser is inside the bundle)", async () => {
    const file = join(dir, "application.yaml");
    writeFileSync(file, "dubbo:\n  application:\n    name: bundled-yaml-app\n");
    const { app } = await startProvider({ DUBBO_CONFIG_FILE: file });
    expect(app.application).toBe("bundled-yaml-app");
  });
});

describe("dubbo-mesh bundle: bad input", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dm-bundle-bad-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("without --outdir or without an entry: exit 2 naming what is missing", () => {
    const noOutdir = runCli(["bundle", "samples/greeter/dist/provider.js"]);
    expect(noOutdir.status).toBe(2);
    expect(noOutdir.stderr).toContain("missing --outdir");
    const noEntry = runCli(["bundle", "--outdir", dir]);
    expect(noEntry.status).toBe(2);
    expect(noEntry.stderr).toContain("missing <entry.js>");
  });

  it("an entry that does not exist: exit 2 naming it, nothing written", () => {
    const r = runCli(["bundle", "dist/nope.js", "--outdir", join(dir, "out")], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("entry dist/nope.js does not exist");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("an entry that imports a module that cannot be found: exit 1 with the file, line and module", () => {
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "src/app.js"), 'const x = 1;\nimport { y } from "no-such-package";\nconsole.log(x, y);\n');
    const r = runCli(["bundle", "src/app.js", "--outdir", join(dir, "out")], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/src\/app\.js:2: .*no-such-package/);
    expect(readFileSync(join(dir, "src/app.js"), "utf8")).toContain("no-such-package");
  });
});
