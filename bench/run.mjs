/**
 * `npm run bench` — dubbo-mesh against its peers (plain connect-node, @grpc/grpc-js, a raw node:http2 server/client),
 * measured side by side in one run: interleaved rounds (every contestant once per round, rotating order), medians,
 * dubbo-mesh/peer ratios. Prints the table on stdout (progress on stderr), writes bench/results/latest.json and
 * latest.md, and on a full run refreshes the table in bench/README.md.
 *
 * Flags: --quick (1 round, short windows: ~1 minute), --rounds=N, --duration=S (h2load seconds per measurement),
 * --only=unary-small,stream,client,idle,startup (subset, for development), --wait-quiet=S (wait up to S seconds before
 * each round for the shared machine to be < 20% busy; default 10, quick 5), --max-others=F and --retries=N (measure
 * again when other processes took more than F of the CPU, default 0.25, at most N times per run: default 6, quick 2),
 * --profile (run bench/profile.mjs instead).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CONTESTANTS, rotate } from "./lib/contestants.mjs";
import { waitQuiet } from "./lib/cpu-load.mjs";
import { gitInfo } from "./lib/git-info.mjs";
import { ensureH2load } from "./lib/h2load.mjs";
import { describeMachine, machineInfo } from "./lib/machine.mjs";
import { summarize } from "./lib/metrics.mjs";
import { probe } from "./lib/probe.mjs";
import { updateReadme } from "./lib/readme.mjs";
import { createRemeasurer } from "./lib/remeasure.mjs";
import { withServer } from "./lib/server-process.mjs";
import { median } from "./lib/stats.mjs";
import { evaluateTargets, renderTable, renderTargets } from "./lib/table.mjs";
import { SERVER_WORKLOADS, writeRequestFile } from "./lib/workloads.mjs";
import { measureClient } from "./suites/clients.mjs";
import { measureIdle } from "./suites/idle-connections.mjs";
import { measureServerLoad } from "./suites/server-load.mjs";
import { bundleSampleProvider, measureAppStartup, measureStartup } from "./suites/startup.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    only: { type: "string" },
    "wait-quiet": { type: "string" },
    "max-others": { type: "string" },
    retries: { type: "string" },
  },
});

if (flags.profile) {
  await import("./profile.mjs");
} else {
  await main();
}

function config() {
  const quick = flags.quick;
  return {
    quick,
    rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
    durationS: Number(flags.duration ?? (quick ? 1 : 2)),
    warmupS: 1,
    clientWarmupMs: quick ? 500 : 1000,
    clientDurationMs: Number(flags.duration ?? (quick ? 1 : 2)) * 1000,
    idleConnections: 1000,
    waitQuietS: Number(flags["wait-quiet"] ?? (quick ? 5 : 10)),
    maxOthers: Number(flags["max-others"] ?? 0.25),
    retries: Number(flags.retries ?? (quick ? 2 : 6)),
    suites: flags.only ? new Set(flags.only.split(",")) : undefined,
  };
}

function pct(share) {
  return `${(share * 100).toFixed(0)}%`;
}

/** Median and max share of the machine's CPU other processes used during the load measurements. */
function noise(rounds) {
  const shares = Object.values(rounds)
    .flatMap((byId) => Object.values(byId).flat())
    .map((m) => m.foreignCpu)
    .filter(Number.isFinite);
  return { median: median(shares), max: Math.max(...shares) };
}

function log(text) {
  process.stderr.write(`${text}\n`);
}

async function main() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) throw new Error(`Node >= 22 required, this is ${process.version}`);
  const cfg = config();
  const wanted = (suite) => !cfg.suites || cfg.suites.has(suite);
  ensureH2load();
  const machine = machineInfo();
  const code = gitInfo();
  log(
    `dubbo-mesh bench at ${code.commit}${code.dirty ? " (+ local changes in packages/samples)" : ""} — ${describeMachine(machine)}`,
  );
  log(
    `rounds ${cfg.rounds}, h2load ${cfg.warmupS}s warm-up + ${cfg.durationS}s per measurement, every process on ${process.version}`,
  );
  const t0 = performance.now();
  const tmpDir = mkdtempSync(join(tmpdir(), "dubbo-mesh-bench-"));
  process.once("exit", () => rmSync(tmpDir, { recursive: true, force: true })); // also on SIGINT/SIGTERM
  const rounds = {};
  const remeasurer = createRemeasurer({ maxOthers: cfg.maxOthers, budget: cfg.retries, log });
  const record = (group, id, m) => {
    rounds[group] ??= {};
    rounds[group][id] ??= [];
    rounds[group][id].push(m);
  };
  try {
    const requestFiles = Object.fromEntries(SERVER_WORKLOADS.map((w) => [w.id, writeRequestFile(tmpDir, w)]));
    for (let round = 0; round < cfg.rounds; round++) {
      const busy = await waitQuiet({
        maxWaitS: cfg.waitQuietS,
        onWait: (share) =>
          log(`machine ${(share * 100).toFixed(0)}% busy with other work; waiting for it to calm down`),
      });
      log(`\n== round ${round + 1}/${cfg.rounds} (machine ${(busy * 100).toFixed(0)}% busy before it)`);
      for (const [i, w] of SERVER_WORKLOADS.entries()) {
        if (!wanted(w.id)) continue;
        for (const id of rotate(CONTESTANTS, round + i)) {
          const m = await remeasurer.measure(`${w.id} ${id}`, () =>
            measureServerLoad(id, w, { requestFile: requestFiles[w.id], tmpDir, ...cfg }),
          );
          log(
            `${w.id.padEnd(12)} ${id.padEnd(13)} ${Math.round(m.msgsPerSec ?? m.reqPerSec)} ${m.msgsPerSec ? "msgs" : "req"}/s  p50 ${m.p50Ms.toFixed(1)} ms  p99 ${m.p99Ms.toFixed(1)} ms  peak RSS ${(m.peakRssKiB / 1024).toFixed(1)} MiB  (others' CPU ${pct(m.foreignCpu)})`,
          );
          record(w.id, id, m);
        }
      }
      if (wanted("client")) {
        await withServer("raw-http2", async (server) => {
          await probe(server.url);
          for (const id of rotate(CONTESTANTS, round)) {
            const m = await remeasurer.measure(`client ${id}`, () =>
              measureClient(id, server, { warmupMs: cfg.clientWarmupMs, durationMs: cfg.clientDurationMs }),
            );
            log(
              `client       ${id.padEnd(13)} ${Math.round(m.callsPerSec)} calls/s  p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms  (others' CPU ${pct(m.foreignCpu)})`,
            );
            record("client", id, m);
          }
        });
      }
      if (wanted("idle")) {
        for (const id of rotate(CONTESTANTS, round)) {
          const m = await measureIdle(id, { connections: cfg.idleConnections });
          log(
            `idle         ${id.padEnd(13)} RSS ${(m.rssBeforeKiB / 1024).toFixed(1)} -> ${(m.rssAfterKiB / 1024).toFixed(1)} MiB, ${m.perConnKiB.toFixed(1)} KiB/conn`,
          );
          record("idle", id, m);
        }
      }
      if (wanted("startup")) {
        for (const id of rotate(CONTESTANTS, round)) {
          const m = await measureStartup(id);
          log(
            `startup      ${id.padEnd(13)} listening ${m.listeningMs.toFixed(0)} ms, first call ${m.firstCallMs.toFixed(0)} ms`,
          );
          record("startup", id, m);
        }
        if (round === 0) bundleSampleProvider();
        // A single start-up varies by ~±20% here: three of each form per round, interleaved, all in the median.
        for (let i = 0; i < 3; i++) {
          const app = await measureAppStartup();
          const bundled = await measureAppStartup({ bundled: true });
          log(
            `startup      dubbo-mesh app spawn -> QOS /startup 200: ${app.appStartupMs.toFixed(0)} ms from node_modules, ${bundled.appBundleStartupMs.toFixed(0)} ms bundled`,
          );
          record("startup-app", "dubbo-mesh", { ...app, ...bundled });
        }
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const { medians, rows } = summarize(rounds);
  const table = renderTable(rows);
  const targets = evaluateTargets(rows);
  const others = noise(rounds);
  const heading =
    `Measured ${machine.date.slice(0, 10)} at commit ${code.commit}${code.dirty ? " (+ local changes)" : ""} on ${describeMachine(machine)}; ${cfg.rounds} interleaved round(s), medians; ${elapsedS.toFixed(0)} s. ` +
    (Number.isFinite(others.median)
      ? `Other processes on the machine used ${pct(others.median)} (median; max ${pct(others.max)}) of its CPU during the load measurements` +
        ` (${remeasurer.state.used} measurement(s) repeated because others took > ${pct(cfg.maxOthers)}).`
      : "No load measurements in this run.");
  const markdown = `${heading}\n\n${table}\n\nTargets of issue 7 (this run):\n\n${renderTargets(targets)}`;
  process.stdout.write(`\n${markdown}\n`);
  const resultsDir = here("./results");
  mkdirSync(resultsDir, { recursive: true });
  const loadAvg1mAtEnd = loadavg()[0];
  const json = {
    machine: { ...machine, loadAvg1mAtEnd },
    code,
    foreignCpu: others,
    config: { ...cfg, suites: cfg.suites && [...cfg.suites] },
    elapsedS,
    medians,
    rows,
    targets,
    rounds,
  };
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, "latest.md"), `${markdown}\n`);
  if (!cfg.quick && !cfg.suites && updateReadme(here("./README.md"), markdown)) log("bench/README.md table updated");
  log(`results: bench/results/latest.json (${elapsedS.toFixed(0)} s)`);
}
