/**
 * `npm run bench` — dubbo-mesh against its peers (plain connect-node, @grpc/grpc-js, a raw node:http2 server/client),
 * measured side by side in one run: interleaved rounds (every contestant once per round, rotating order), medians,
 * ratios. Prints the tables and the issues' targets on stdout (progress on stderr), writes bench/results/latest.json
 * and latest.md, and on a full run refreshes the tables in bench/README.md.
 *
 * Flags: --quick (1 round, short windows), --rounds=N, --duration=S (seconds per measurement), --only=a,b (suites or
 * groups of them, for development: see SUITES below), --load-client=grpc-go|node (of the provider's streaming rows),
 * --consumer-server=grpc-go|raw-http2 (of the consumer rows), --wait-quiet=S (wait up to S seconds before each round
 * for the shared machine to be < 20% busy; default 10, quick 5), --max-others=F and --retries=N (measure again when
 * other processes took more than F of the CPU, default 0.25, at most N times per run: default 6, quick 2), --profile
 * (run bench/profile.mjs instead).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { rotate } from "./lib/contestants.mjs";
import { waitQuiet } from "./lib/cpu-load.mjs";
import { gitInfo } from "./lib/git-info.mjs";
import { ensureGrpcGo, GRPC_GO_BINARY, grpcGoVersion } from "./lib/grpc-go.mjs";
import { ensureH2load } from "./lib/h2load.mjs";
import { describeMachine, machineInfo } from "./lib/machine.mjs";
import { COST_VARIANTS, INSTRUMENT_KINDS, OVERLOAD_CONTESTANTS, OVERLOAD_LEVELS, summarize } from "./lib/metrics.mjs";
import { probe } from "./lib/probe.mjs";
import { updateReadme } from "./lib/readme.mjs";
import { createRemeasurer } from "./lib/remeasure.mjs";
import { launchServer } from "./lib/server-process.mjs";
import { median } from "./lib/stats.mjs";
import { evaluateTargets, renderTables, renderTargets } from "./lib/table.mjs";
import { makeTlsCertificates } from "./lib/tls-certs.mjs";
import { CLIENT_WORKLOADS, SERVER_WORKLOADS, writeRequestFile } from "./lib/workloads.mjs";
import { measureClient } from "./suites/clients.mjs";
import { measureCost } from "./suites/cost.mjs";
import { measureIdle } from "./suites/idle-connections.mjs";
import { measureInstrument } from "./suites/instrument.mjs";
import { measureOverloadLevel, sweepSaturation } from "./suites/overload.mjs";
import { measureServerLoad } from "./suites/server-load.mjs";
import { bundleSampleProvider, measureAppStartup, measureStartup } from "./suites/startup.mjs";
import { measureStreamLoad } from "./suites/stream-load.mjs";
import { measureTlsRound, TLS_SUITES } from "./suites/tls.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));

/** Every suite `--only` accepts, and the groups of them it also accepts. */
const SUITES = [
  ...SERVER_WORKLOADS.map((w) => w.id),
  ...CLIENT_WORKLOADS.map((w) => w.id),
  "cost",
  "overload",
  "instrument",
  "idle",
  "startup",
  ...TLS_SUITES,
];
const SUITE_GROUPS = {
  provider: SERVER_WORKLOADS.map((w) => w.id),
  consumer: CLIENT_WORKLOADS.map((w) => w.id),
  tls: TLS_SUITES,
  streaming: ["stream", "client-stream", "bidi", "consumer-server-stream", "consumer-client-stream", "consumer-bidi"],
};

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    only: { type: "string" },
    "load-client": { type: "string", default: "grpc-go" },
    "consumer-server": { type: "string", default: "grpc-go" },
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

function selectedSuites(only) {
  if (!only) return undefined;
  const out = new Set();
  for (const name of only.split(",").filter(Boolean)) {
    const names = SUITE_GROUPS[name] ?? [name];
    for (const n of names) {
      if (!SUITES.includes(n)) {
        throw new Error(
          `--only: unknown suite ${n} (suites: ${SUITES.join(", ")}; groups: ${Object.keys(SUITE_GROUPS).join(", ")})`,
        );
      }
      out.add(n);
    }
  }
  return out;
}

function config() {
  const quick = flags.quick;
  const durationS = Number(flags.duration ?? (quick ? 1 : 2));
  return {
    quick,
    rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
    durationS,
    warmupS: 1,
    clientWarmupMs: quick ? 500 : 1000,
    clientDurationMs: durationS * 1000,
    idleConnections: 1000,
    overloadSweepLevels: quick ? [1, 4, 16, 64, 256, 1024] : [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    overloadSweepS: quick ? 0.5 : 1,
    loadClient: flags["load-client"],
    consumerServer: flags["consumer-server"],
    waitQuietS: Number(flags["wait-quiet"] ?? (quick ? 5 : 10)),
    maxOthers: Number(flags["max-others"] ?? 0.25),
    retries: Number(flags.retries ?? (quick ? 2 : 6)),
    suites: selectedSuites(flags.only),
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

/** One progress line of a measurement. */
function describe(group, id, m) {
  const parts = [];
  const n = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : "-");
  if (m.unsupported) return `${group.padEnd(22)} ${id.padEnd(14)} not measured: ${m.unsupported}`;
  if (m.msgsPerSec !== undefined) parts.push(`${n(m.msgsPerSec)} msgs/s`);
  else if (m.okPerSec !== undefined) parts.push(`${n(m.okPerSec)} OK/s at ${m.concurrency} in flight`);
  else if (m.reqPerSec !== undefined) parts.push(`${n(m.reqPerSec)} req/s`);
  else if (m.callsPerSec !== undefined) parts.push(`${n(m.callsPerSec)} calls/s`);
  else if (m.connsPerSec !== undefined)
    parts.push(`${n(m.connsPerSec)} new conns/s  server CPU ${n(m.serverCpuMsPerConn, 2)} ms/conn`);
  if (m.p50Ms !== undefined) parts.push(`p50 ${n(m.p50Ms, 1)} ms  p99 ${n(m.p99Ms, 1)} ms`);
  if (m.peakRssKiB !== undefined) parts.push(`peak RSS ${n(m.peakRssKiB / 1024, 1)} MiB`);
  if (m.clientPeakRssKiB !== undefined) parts.push(`client peak RSS ${n(m.clientPeakRssKiB / 1024, 1)} MiB`);
  if (m.failedShare !== undefined) parts.push(`failed ${n(m.failedShare * 100, 1)}%`);
  if (m.loadCpuS !== undefined) parts.push(`load client CPU ${n(m.loadCpuS, 2)} s`);
  if (m.foreignCpu !== undefined) parts.push(`(others' CPU ${pct(m.foreignCpu)})`);
  return `${group.padEnd(22)} ${id.padEnd(14)} ${parts.join("  ")}`;
}

async function main() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) throw new Error(`Node >= 22 required, this is ${process.version}`);
  const cfg = config();
  const wanted = (suite) => !cfg.suites || cfg.suites.has(suite);
  ensureH2load();
  const needsGo =
    (cfg.loadClient === "grpc-go" && SERVER_WORKLOADS.some((w) => w.driver === "grpc-load" && wanted(w.id))) ||
    (cfg.consumerServer === "grpc-go" && CLIENT_WORKLOADS.some((w) => wanted(w.id))) ||
    wanted("instrument");
  const haveGo = needsGo ? ensureGrpcGo(log) !== undefined : false;
  if (needsGo && !haveGo) {
    if (cfg.loadClient === "grpc-go") cfg.loadClient = "node";
    if (cfg.consumerServer === "grpc-go") cfg.consumerServer = "raw-http2";
    log("no grpc-go: the node load client and the raw node:http2 server stand in");
  }
  const machine = { ...machineInfo(), grpcGo: haveGo ? grpcGoVersion() : "none" };
  const code = gitInfo();
  log(
    `dubbo-mesh bench at ${code.commit}${code.dirty ? " (+ local changes in packages/samples)" : ""} — ${describeMachine(machine)}`,
  );
  log(
    `rounds ${cfg.rounds}, ${cfg.warmupS}s warm-up + ${cfg.durationS}s per measurement, every Node process on ${process.version}; ` +
      `provider streaming rows loaded by ${cfg.loadClient}, consumer rows against ${cfg.consumerServer}`,
  );
  const t0 = performance.now();
  const tmpDir = mkdtempSync(join(tmpdir(), "dubbo-mesh-bench-"));
  process.once("exit", () => rmSync(tmpDir, { recursive: true, force: true })); // also on SIGINT/SIGTERM
  const rounds = {};
  const unsupported = {};
  const saturation = {};
  const remeasurer = createRemeasurer({ maxOthers: cfg.maxOthers, budget: cfg.retries, log });
  const store = (group, id, m) => {
    rounds[group] ??= {};
    rounds[group][id] ??= [];
    rounds[group][id].push(m);
  };
  const record = (group, id, m) => {
    if (!m.failed) log(describe(group, id, m));
    if (!m.unsupported && !m.failed) store(group, id, m);
  };
  // A measurement that fails (a wrong reply, a crashed server, a failed call) is reported and left out, and the run
  // goes on: one broken row must not cost the other rows of a 15-minute run. The run then exits 1.
  const failures = [];
  const attempt = async (label, fn) => {
    try {
      return await fn();
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 300);
      failures.push(`${label}: ${message}`);
      log(`${label.padEnd(37)} FAILED: ${message}`);
      return { failed: message };
    }
  };
  const h2loadWorkloads = SERVER_WORKLOADS.filter((w) => w.driver !== "grpc-load");
  const unarySmall = SERVER_WORKLOADS.find((w) => w.id === "unary-small");
  const loadOptions = { tmpDir, durationS: cfg.durationS, warmupS: cfg.warmupS };
  const consumerServerOptions =
    cfg.consumerServer === "grpc-go" ? { command: [GRPC_GO_BINARY, "server"] } : { id: "raw-http2" };
  try {
    const requestFiles = Object.fromEntries(h2loadWorkloads.map((w) => [w.id, writeRequestFile(tmpDir, w)]));
    const tls = TLS_SUITES.some(wanted) ? makeTlsCertificates(tmpDir) : undefined;
    for (let round = 0; round < cfg.rounds; round++) {
      const busy = await waitQuiet({
        maxWaitS: cfg.waitQuietS,
        onWait: (share) =>
          log(`machine ${(share * 100).toFixed(0)}% busy with other work; waiting for it to calm down`),
      });
      log(`\n== round ${round + 1}/${cfg.rounds} (machine ${(busy * 100).toFixed(0)}% busy before it)`);
      for (const [i, w] of SERVER_WORKLOADS.entries()) {
        if (!wanted(w.id)) continue;
        for (const id of rotate(w.contestants, round + i)) {
          const m = await attempt(`${w.id} ${id}`, () =>
            remeasurer.measure(`${w.id} ${id}`, () =>
              w.driver === "grpc-load"
                ? measureStreamLoad(id, w, { ...loadOptions, loadClient: cfg.loadClient })
                : measureServerLoad(id, w, { ...loadOptions, requestFile: requestFiles[w.id] }),
            ),
          );
          record(w.id, id, m);
        }
      }
      const clientWorkloads = CLIENT_WORKLOADS.filter((w) => wanted(w.id));
      if (clientWorkloads.length > 0) {
        const server = await launchServer(cfg.consumerServer, consumerServerOptions);
        try {
          await probe(server.url, { kinds: ["client-stream", "bidi"] });
          for (const [i, w] of clientWorkloads.entries()) {
            for (const id of rotate(w.contestants, round + i)) {
              const m = await attempt(`${w.id} ${id}`, () =>
                remeasurer.measure(`${w.id} ${id}`, () =>
                  measureClient(id, server, w, { warmupMs: cfg.clientWarmupMs, durationMs: cfg.clientDurationMs }),
                ),
              );
              record(w.id, id, m);
            }
          }
        } finally {
          await server.stop();
        }
      }
      if (tls) {
        await measureTlsRound(round, {
          wanted,
          tls,
          measure: (label, fn) => attempt(label, () => remeasurer.measure(label, fn)),
          record,
          load: loadOptions,
          client: { warmupMs: cfg.clientWarmupMs, durationMs: cfg.clientDurationMs },
        });
      }
      if (wanted("cost")) {
        for (const variant of rotate(COST_VARIANTS, round)) {
          if (unsupported[variant]) continue;
          const m = await attempt(`cost ${variant}`, () =>
            remeasurer.measure(`cost ${variant}`, () =>
              measureCost(variant, unarySmall, { ...loadOptions, requestFile: requestFiles[unarySmall.id] }),
            ),
          );
          if (m.unsupported) unsupported[variant] = m.unsupported;
          record("cost", variant, m);
        }
      }
      if (wanted("overload")) {
        for (const id of rotate(OVERLOAD_CONTESTANTS, round)) {
          const options = { ...loadOptions, requestFile: requestFiles[unarySmall.id] };
          if (!saturation[id]) {
            const sweep = await attempt(`overload sweep ${id}`, () =>
              sweepSaturation(id, unarySmall, {
                ...options,
                levels: cfg.overloadSweepLevels,
                windowS: cfg.overloadSweepS,
              }),
            );
            if (sweep.failed) continue; // tried again next round
            saturation[id] = sweep;
            log(
              `overload sweep         ${id.padEnd(14)} ${saturation[id].points.map((p) => `${p.concurrency}: ${p.reqPerSec.toFixed(0)}`).join(", ")} req/s -> 1x = ${saturation[id].saturationConcurrency} in flight${saturation[id].saturated ? "" : " (still growing at the top of the sweep)"}`,
            );
            store("overload", id, saturation[id]);
          }
          for (const x of OVERLOAD_LEVELS) {
            const m = await attempt(`overload ${x}x ${id}`, () =>
              remeasurer.measure(`overload ${x}x ${id}`, () =>
                measureOverloadLevel(id, unarySmall, x * saturation[id].saturationConcurrency, options),
              ),
            );
            record(`overload-${x}x`, id, m);
          }
        }
      }
      // Once per run, or every round when asked for by name (--only=instrument --rounds=N).
      if (wanted("instrument") && (round === 0 || cfg.suites?.has("instrument"))) {
        const raw = { id: "raw-http2" };
        const go = { id: "grpc-go", command: [GRPC_GO_BINARY, "server"] };
        for (const kind of INSTRUMENT_KINDS) {
          const w = SERVER_WORKLOADS.find((x) => x.kind === kind);
          const options = { warmupS: cfg.warmupS, durationS: cfg.durationS };
          for (const loader of ["grpc-go", "node"]) {
            const m = await attempt(`instrument ${kind} load ${loader}`, () =>
              measureInstrument(loader, w, { ...options, launchOptions: raw }),
            );
            record(`instrument-load-${kind}`, loader, m);
          }
          for (const [id, launchOptions] of [
            ["grpc-go", go],
            ["raw-http2", raw],
          ]) {
            const m = await attempt(`instrument ${kind} server ${id}`, () =>
              measureInstrument("node", w, { ...options, launchOptions }),
            );
            record(`instrument-server-${kind}`, id, m);
          }
        }
      }
      if (wanted("idle")) {
        for (const id of rotate(["dubbo-mesh", "connect-node", "grpc-js", "raw-http2"], round)) {
          const m = await attempt(`idle ${id}`, () => measureIdle(id, { connections: cfg.idleConnections }));
          if (m.failed) continue;
          log(
            `idle                   ${id.padEnd(14)} RSS ${(m.rssBeforeKiB / 1024).toFixed(1)} -> ${(m.rssAfterKiB / 1024).toFixed(1)} MiB, ${m.perConnKiB.toFixed(1)} KiB/conn`,
          );
          store("idle", id, m);
        }
      }
      if (wanted("startup")) {
        for (const id of rotate(["dubbo-mesh", "connect-node", "grpc-js", "raw-http2"], round)) {
          const m = await attempt(`startup ${id}`, () => measureStartup(id));
          if (m.failed) continue;
          log(
            `startup                ${id.padEnd(14)} listening ${m.listeningMs.toFixed(0)} ms, first call ${m.firstCallMs.toFixed(0)} ms`,
          );
          store("startup", id, m);
        }
        const bundle =
          round === 0 ? await attempt("bundle the greeter provider", async () => bundleSampleProvider()) : {};
        // A single start-up varies by ~±20% here: three of each form per round, interleaved, all in the median.
        for (let i = 0; i < 3 && !bundle?.failed; i++) {
          const app = await attempt("startup dubbo-mesh app", () => measureAppStartup());
          const bundled = await attempt("startup dubbo-mesh app bundled", () => measureAppStartup({ bundled: true }));
          if (app.failed || bundled.failed) break;
          log(
            `startup                dubbo-mesh app spawn -> QOS /startup 200: ${app.appStartupMs.toFixed(0)} ms from node_modules, ${bundled.appBundleStartupMs.toFixed(0)} ms bundled`,
          );
          store("startup-app", "dubbo-mesh", { ...app, ...bundled });
        }
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const { medians, rows } = summarize(rounds);
  const tables = renderTables(rows);
  const tracingWhy = unsupported["tracing-sdk"] ?? (wanted("cost") ? undefined : "cost rows not run");
  const targets = evaluateTargets(rows, { tracingWhy });
  const others = noise(rounds);
  const heading =
    `Measured ${machine.date.slice(0, 10)} at commit ${code.commit}${code.dirty ? " (+ local changes)" : ""} on ${describeMachine(machine)}, ${machine.grpcGo}; ` +
    `${cfg.rounds} interleaved round(s), medians; ${elapsedS.toFixed(0)} s; provider streaming rows loaded by ${cfg.loadClient}, consumer rows against ${cfg.consumerServer}. ` +
    (Number.isFinite(others.median)
      ? `Other processes on the machine used ${pct(others.median)} (median; max ${pct(others.max)}) of its CPU during the load measurements` +
        ` (${remeasurer.state.used} measurement(s) repeated because others took > ${pct(cfg.maxOthers)}).`
      : "No load measurements in this run.");
  const notes = Object.entries(unsupported).map(([variant, why]) => `Not measured: ${variant} — ${why}.`);
  const failed = failures.length
    ? [`Failed measurements (left out of the tables):\n\n${failures.map((f) => `- ${f}`).join("\n")}`]
    : [];
  const markdown = [
    heading,
    tables,
    ...notes,
    ...failed,
    renderTargets(targets, { measuredOnly: cfg.suites !== undefined }),
  ].join("\n\n");
  process.stdout.write(`\n${markdown}\n`);
  const resultsDir = here("./results");
  mkdirSync(resultsDir, { recursive: true });
  const json = {
    machine: { ...machine, loadAvg1mAtEnd: loadavg()[0] },
    code,
    foreignCpu: others,
    config: { ...cfg, suites: cfg.suites && [...cfg.suites] },
    elapsedS,
    unsupported,
    failures,
    medians,
    rows,
    targets,
    rounds,
  };
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, "latest.md"), `${markdown}\n`);
  if (!cfg.quick && !cfg.suites && updateReadme(here("./README.md"), markdown)) log("bench/README.md table updated");
  log(`results: bench/results/latest.json (${elapsedS.toFixed(0)} s)`);
  if (failures.length) {
    log(`${failures.length} measurement(s) failed (listed above the targets)`);
    process.exitCode = 1;
  }
}
