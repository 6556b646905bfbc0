/**
 * `node bench/profile.mjs` (or `npm run bench -- --profile`): where the CPU time of a server goes. Runs each profiled
 * server (default: connect-node, dubbo-mesh, raw-http2) under `node --cpu-prof` while h2load loads it with unary
 * Greet (small message, 16 connections x 32 streams), stops it with SIGTERM so V8 writes the profile, and prints self
 * time by category, file and function for the steady state (start-up and warm-up skipped). Writes
 * bench/results/profile.md; the raw .cpuprofile files stay in bench/results/profiles/ (git-ignored).
 *
 * Flags: --servers=a,b (contestant ids), --duration=S (measured seconds, default 5), --top=N (rows, default 15).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { meterForeignCpu } from "./lib/cpu-load.mjs";
import { summarizeProfile } from "./lib/cpuprofile.mjs";
import { ensureH2load, runH2load } from "./lib/h2load.mjs";
import { describeMachine, machineInfo } from "./lib/machine.mjs";
import { probe } from "./lib/probe.mjs";
import { launchServer } from "./lib/server-process.mjs";
import { SERVER_WORKLOADS, writeRequestFile } from "./lib/workloads.mjs";

const WARMUP_S = 2;
const { values: flags } = parseArgs({
  options: {
    servers: { type: "string", default: "connect-node,dubbo-mesh,raw-http2" },
    duration: { type: "string", default: "5" },
    top: { type: "string", default: "15" },
    profile: { type: "boolean" },
    quick: { type: "boolean" },
  },
});
const durationS = Number(flags.duration);
const top = Number(flags.top);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
const profilesDir = join(resultsDir, "profiles");

function pct(part, whole) {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function section(title, rows, total, limit) {
  const lines = rows
    .slice(0, limit)
    .map(([name, ms]) => `| ${name.replaceAll("|", "\\|")} | ${ms.toFixed(0)} | ${pct(ms, total)} |`);
  return [`**${title}**`, "", "| | self ms | share |", "|---|---:|---:|", ...lines].join("\n");
}

async function profileServer(id, workload, requestFile, tmpDir) {
  const dir = join(profilesDir, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await launchServer(id, { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
  let load;
  let startupUs;
  let foreignCpu;
  try {
    startupUs = server.child.messages.find((m) => m.event === "listening").uptimeMs * 1000;
    await probe(server.url);
    const foreign = meterForeignCpu([server.pid]);
    load = await runH2load({
      url: `${server.url}/greet.v1.GreeterService/Greet`,
      dataFile: requestFile,
      clients: workload.clients,
      streams: workload.streams,
      durationS,
      warmupS: WARMUP_S,
      logFile: join(tmpDir, `${id}.log`),
    });
    foreignCpu = foreign();
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`${id}: no .cpuprofile written`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  // Skip start-up, the probe and h2load's warm-up (approximately: from process start).
  const summary = summarizeProfile(profile, { skipUs: startupUs + (WARMUP_S + 0.3) * 1e6 });
  return { id, load, summary, foreignCpu, file: join("bench/results/profiles", id, file) };
}

function render({ id, load, summary, foreignCpu, file }) {
  const s = summary;
  const shares = (rows, limit) =>
    rows.slice(0, limit).map(([name, share]) => `| ${name} | ${(share * 100).toFixed(1)}% |`);
  return [
    `### ${id}: ${Math.round(load.reqPerSec)} req/s under the profiler, p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms`,
    "",
    `Busy (non-idle) CPU time sampled in the steady state: ${s.totalMs.toFixed(0)} ms over ${durationS} s of load; ` +
      `${(((s.totalMs / durationS / 1000) * 1e6) / load.reqPerSec).toFixed(1)} µs of main-thread CPU per call. ` +
      `Other processes took ${(foreignCpu * 100).toFixed(0)}% of the machine's CPU meanwhile. Profile: \`${file}\`.`,
    "",
    section("Self time by category", s.byCategory, s.totalMs, top),
    "",
    "**Share of busy time whose stack includes the category (inclusive)**",
    "",
    "| | share |",
    "|---|---:|",
    ...shares(s.inclusiveByCategory, top),
    "",
    section("Self time by function", s.byFunction, s.totalMs, top),
    "",
    "**Share of busy time whose stack includes the function (inclusive)**",
    "",
    "| | share |",
    "|---|---:|",
    ...shares(s.inclusiveByFunction, 2 * top),
    "",
    section("Self time by file", s.byFile, s.totalMs, top),
  ].join("\n");
}

ensureH2load();
const workload = SERVER_WORKLOADS.find((w) => w.id === "unary-small");
const tmpDir = join(tmpdir(), `dubbo-mesh-profile-${process.pid}`);
mkdirSync(tmpDir, { recursive: true });
process.once("exit", () => rmSync(tmpDir, { recursive: true, force: true })); // also on SIGINT/SIGTERM
try {
  const requestFile = writeRequestFile(tmpDir, workload);
  const parts = [];
  for (const id of flags.servers.split(",")) {
    process.stderr.write(`profiling ${id} (${WARMUP_S}s warm-up + ${durationS}s) ...\n`);
    parts.push(render(await profileServer(id, workload, requestFile, tmpDir)));
  }
  const machine = machineInfo();
  const md = [
    `Profiled ${machine.date.slice(0, 10)} on ${describeMachine(machine)}: \`node --cpu-prof\` (1 ms sampling), ` +
      `h2load unary Greet "world", ${workload.clients} connections x ${workload.streams} streams.`,
    "",
    ...parts.flatMap((p) => [p, ""]),
  ].join("\n");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "profile.md"), md);
  process.stdout.write(`${md}\n`);
  process.stderr.write("written: bench/results/profile.md\n");
} finally {
  rmSync(tmpDir, { recursive: true, force: true });
}
