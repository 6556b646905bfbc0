import { type DubboOptions, dubbo } from "dubbo-mesh";
import { GreeterService } from "../gen/greet/v1/greet_pb.js";
import { freePort } from "./free-port.js";
import { type LoadStats, runLoad } from "./load.js";
import { type DemoProvider, probeState, startProvider, stopProvider } from "./provider-process.js";

/** What the demo is asked to do (see `main.ts` for the flags). */
export interface DemoOptions {
  /** Seconds of load. */
  duration: number;
  /** Provider processes. */
  providers: number;
  /** Calls in flight. */
  concurrency: number;
  /** Restart the first provider a third of the way in, as Kubernetes would. */
  restart: boolean;
  /** Where lines go. */
  out: (line: string) => void;
  /** Where failures go. */
  err: (line: string) => void;
}

/** How long each provider stays up, offline, before its GOAWAY, so the consumer stops picking it first. */
const SHUTDOWN_DELAY_MS = 1000;

/** The demo prints its own lines; the consumer application's JSON events would only interleave with them. */
const quiet: NonNullable<DubboOptions["logger"]> = { info() {}, warn() {}, error() {} };

/**
 * Runs the local mesh demo: greeter providers in their own processes, a consumer in this process balancing every
 * call over their static address list (`tri://host:port,...`), live counts per provider and each provider's
 * readiness once a second, a rolling restart under load, and a summary. Resolves with the number of failed calls.
 */
export async function runDemo(options: DemoOptions, stop: AbortSignal): Promise<number> {
  const slots = await allocateSlots(options.providers);
  const app = dubbo({
    application: { name: "greeter-demo" },
    logger: quiet,
    config: { "dubbo.consumer.timeout": 3000, "dubbo.consumer.retries": 2, "dubbo.application.qos-enable": false },
  });
  const stats: LoadStats = { calls: 0, failures: 0, byInstance: new Map(), failureSamples: [] };
  const started = Date.now();
  const load = new AbortController();
  const stopLoad = () => load.abort();
  stop.addEventListener("abort", stopLoad, { once: true });
  try {
    await Promise.all(slots.map((s) => startProvider(s, SHUTDOWN_DELAY_MS)));
    const list = slots.map((s) => `127.0.0.1:${s.port}`).join(",");
    options.out(`${slots.length} greeter providers started: ${list} (QOS ${slots.map((s) => s.qosPort).join(", ")})`);
    options.out(
      `consumer: round-robin per request over tri://${list}, ${options.concurrency} calls in flight, ${options.duration} s`,
    );
    const greeter = app.reference(GreeterService, { url: `tri://${list}`, version: "1.0.0" });
    const loadDone = runLoad((name) => greeter.greet({ name }), options.concurrency, load.signal, stats);
    const restarting = await reportEverySecond(options, slots, stats, started, load.signal);
    load.abort();
    await loadDone;
    await restarting;
  } finally {
    stop.removeEventListener("abort", stopLoad);
    load.abort();
    await app.stop();
    await Promise.all(slots.map((s) => stopProvider(s)));
  }
  printSummary(options, slots, stats, (Date.now() - started) / 1000);
  return stats.failures;
}

/** One slot per provider, each with a protocol and a QOS port that were free a moment ago. */
async function allocateSlots(count: number): Promise<DemoProvider[]> {
  const slots: DemoProvider[] = [];
  for (let i = 0; i < count; i++) {
    slots.push({
      name: `provider-${i + 1}`,
      port: await freePort(),
      qosPort: await freePort(),
      generation: 0,
      child: undefined,
    });
  }
  return slots;
}

/**
 * Prints a line a second — calls/s, each provider's total, its share of the last second and its readiness — until
 * the duration is over or `signal` aborts; starts the rolling restart a third of the way in. Returns the restart
 * (if started) for the caller to await.
 */
async function reportEverySecond(
  options: DemoOptions,
  slots: DemoProvider[],
  stats: LoadStats,
  started: number,
  signal: AbortSignal,
): Promise<Promise<void> | undefined> {
  const end = started + options.duration * 1000;
  let restarting: Promise<void> | undefined;
  let lastCalls = 0;
  let previous: number[] = [];
  while (Date.now() < end && !signal.aborted) {
    await new Promise((r) => setTimeout(r, 1000));
    if (options.restart && !restarting && Date.now() - started >= (options.duration * 1000) / 3) {
      restarting = rollingRestart(options, slots[0] as DemoProvider, signal);
    }
    const states = await Promise.all(slots.map((s) => probeState(s)));
    const now = slots.map((s) => stats.byInstance.get(`127.0.0.1:${s.port}`) ?? 0);
    const delta = now.map((n, i) => n - (previous[i] ?? 0));
    const second = delta.reduce((a, b) => a + b, 0) || 1;
    previous = now;
    const cols = slots.map((s, i) => {
      const share = String(Math.round((100 * (delta[i] ?? 0)) / second)).padStart(3);
      return `${s.name} ${String(now[i]).padStart(6)} (${share}%) ${(states[i] ?? "").padEnd(9)}`;
    });
    const rate = stats.calls - lastCalls;
    lastCalls = stats.calls;
    const t = String(Math.round((Date.now() - started) / 1000)).padStart(3);
    options.out(`t=${t}s ${String(rate).padStart(6)} calls/s | ${cols.join(" | ")} | failed ${stats.failures}`);
  }
  return restarting;
}

/** Restarts one provider as Kubernetes would: SIGTERM (offline, drain, exit), a new process a second later. */
async function rollingRestart(options: DemoOptions, slot: DemoProvider, signal: AbortSignal): Promise<void> {
  options.out(`${slot.name}: SIGTERM (goes offline, drains, exits) ...`);
  const code = await stopProvider(slot);
  options.out(`${slot.name}: exited with ${code}; a new process starts in 1 s, as on Kubernetes`);
  await new Promise((r) => setTimeout(r, 1000));
  if (signal.aborted) return;
  await startProvider(slot, SHUTDOWN_DELAY_MS);
  options.out(`${slot.name}: restarted (process ${slot.generation})`);
}

/** The closing lines: calls, rate and failures, then each provider's share and process count, then failures. */
function printSummary(options: DemoOptions, slots: DemoProvider[], stats: LoadStats, seconds: number): void {
  options.out("");
  options.out(
    `summary: ${stats.calls} calls in ${seconds.toFixed(1)} s (${Math.round(stats.calls / seconds)}/s), ${stats.failures} failed`,
  );
  const total = [...stats.byInstance.values()].reduce((a, b) => a + b, 0) || 1;
  for (const s of slots) {
    const n = stats.byInstance.get(`127.0.0.1:${s.port}`) ?? 0;
    options.out(
      `  ${s.name} 127.0.0.1:${s.port}: ${n} calls (${((100 * n) / total).toFixed(1)}%), ${s.generation} process(es)`,
    );
  }
  for (const sample of stats.failureSamples) options.err(`  failed: ${sample}`);
}
