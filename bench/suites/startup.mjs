/**
 * Start-up suite: spawn a contestant's server process and measure, from the spawn, the time until it prints that it
 * listens and the time until a first call from the runner succeeds. For dubbo-mesh also the whole application — the
 * greeter sample's provider (`dubbo()` with its properties file, QOS on) — until its QOS `/startup` answers 200.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../lib/free-port.mjs";
import { probe } from "../lib/probe.mjs";
import { launchServer } from "../lib/server-process.mjs";

/** `{ listeningMs, firstCallMs }` for one fresh start of `id`'s server. */
export async function measureStartup(id) {
  const t0 = performance.now();
  const server = await launchServer(id);
  try {
    const listeningMs = performance.now() - t0;
    await probe(server.url);
    return { listeningMs, firstCallMs: performance.now() - t0 };
  } finally {
    await server.stop();
  }
}

// The sample's package root, found through its package entry (dist/index.js) rather than a path into the repository.
const sampleRoot = new URL("../", import.meta.resolve("@dubbo-mesh/sample-greeter"));
const sample = (path) => fileURLToPath(new URL(path, sampleRoot));
const cli = fileURLToPath(new URL("../../packages/cli/dist/bin.js", import.meta.url));

/**
 * Writes samples/greeter/bundle/provider.mjs with `dubbo-mesh bundle`, exactly as the sample's Docker image does, so
 * the bundled application can be measured. Throws with the CLI's output when it fails.
 */
export function bundleSampleProvider() {
  const r = spawnSync(
    process.execPath,
    [cli, "bundle", sample("dist/provider.js"), "--outdir", sample("bundle"), "--no-sourcemap"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`dubbo-mesh bundle failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
}

/**
 * ms from spawning the greeter sample's provider application to its QOS `GET /startup` answering 200: as compiled
 * (dist/provider.js, dependencies loaded from node_modules; `appStartupMs`) or, with `bundled`, as the Docker image
 * runs it (bundle/provider.mjs from `bundleSampleProvider`; `appBundleStartupMs`).
 */
export async function measureAppStartup({ bundled = false } = {}) {
  const [port, qosPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const child = spawn(process.execPath, [sample(bundled ? "bundle/provider.mjs" : "dist/provider.js")], {
    env: { ...process.env, DUBBO_PROTOCOL_PORT: String(port), DUBBO_APPLICATION_QOS_PORT: String(qosPort) },
    stdio: "ignore",
  });
  try {
    for (let i = 0; i < 5000; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${qosPort}/startup`);
        if (res.status === 200) return { [bundled ? "appBundleStartupMs" : "appStartupMs"]: performance.now() - t0 };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error("the greeter provider did not report /startup 200 within 10 s");
  } finally {
    child.kill("SIGKILL");
  }
}
