import { booleanFlag, checkPositionalCount, integerFlag, type ParsedArgs, UsageError } from "../args.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { Command } from "./command.js";

/**
 * `dubbo-mesh demo`: the local mesh demo behind `npm start` — greeter providers in their own processes, a consumer
 * balancing every request over them on the client side, a rolling restart under load, live counts and probe states,
 * and a summary. Nothing but Node is needed: no Docker, no Envoy.
 */
export const demoCommand: Command = {
  name: "demo",
  summary: "Run a local mesh: greeter providers, a consumer balancing per request, a rolling restart under load.",
  usage: "demo [flags]",
  description: [
    "Starts --providers greeter providers (samples/greeter, each its own process with its own protocol and QOS port) " +
      "and a consumer in this process that balances every call round-robin over their static address list " +
      "(tri://host:port,host:port,...). It keeps --concurrency calls in flight for --duration seconds and prints, " +
      "every second, calls per provider and each provider's readiness from its QOS port. A third of the way in it " +
      "restarts the first provider as Kubernetes would (SIGTERM: offline, drain, exit; a new process a second later); " +
      "no call should fail. Ctrl-C stops it cleanly.",
    "Exit codes: 0 every call succeeded; 1 some call failed (they are listed); 2 a bad command line.",
  ],
  options: {
    duration: { type: "string", valueName: "seconds", description: "How long to run the load. Default 12." },
    providers: { type: "string", valueName: "n", description: "How many providers. Default 3." },
    concurrency: { type: "string", valueName: "n", description: "Calls in flight. Default 16." },
    "no-restart": { type: "boolean", description: "Skip the rolling restart." },
  },
  examples: [
    "dubbo-mesh demo",
    "dubbo-mesh demo --duration 30 --providers 5",
    "npm start   # builds, then runs the demo",
  ],
  run: runDemo,
};

function bounded(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const value = integerFlag(args, name) ?? fallback;
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

async function runDemo(args: ParsedArgs, io: Io): Promise<number> {
  checkPositionalCount(args, 0);
  const duration = bounded(args, "duration", 12, 1, 600);
  const count = bounded(args, "providers", 3, 1, 10);
  const concurrency = bounded(args, "concurrency", 16, 1, 256);
  const restart = !booleanFlag(args, "no-restart") && count >= 2;
  const [{ createConsumer }, { GreeterService }, providers, { freePort }, { runLoad }] = await Promise.all([
    import("@dubbo-mesh/consumer"),
    import("@dubbo-mesh/sample-greeter"),
    import("../demo/provider-process.js"),
    import("../demo/free-port.js"),
    import("../demo/load.js"),
  ]);
  const shutdownDelayMs = 1000;
  const slots: import("../demo/provider-process.js").DemoProvider[] = [];
  for (let i = 0; i < count; i++) {
    slots.push({
      name: `provider-${i + 1}`,
      port: await freePort(),
      qosPort: await freePort(),
      generation: 0,
      child: undefined,
    });
  }
  const stop = new AbortController();
  const onSigint = () => {
    io.out("\nCtrl-C: stopping the load and the providers ...");
    stop.abort();
  };
  process.once("SIGINT", onSigint);
  const consumer = createConsumer({ application: "greeter-demo", timeout: 3000, retries: 2 });
  const stats = { calls: 0, failures: 0, byInstance: new Map<string, number>(), failureSamples: [] as string[] };
  const started = Date.now();
  try {
    await Promise.all(slots.map((s) => providers.startProvider(s, shutdownDelayMs)));
    const list = slots.map((s) => `127.0.0.1:${s.port}`).join(",");
    io.out(`${count} greeter providers started: ${list} (QOS ${slots.map((s) => s.qosPort).join(", ")})`);
    io.out(`consumer: round-robin per request over tri://${list}, ${concurrency} calls in flight, ${duration} s`);
    const greeter = consumer.reference(GreeterService, { url: `tri://${list}`, version: "1.0.0" });
    const loadDone = runLoad((name) => greeter.greet({ name }), concurrency, stop.signal, stats);
    const end = Date.now() + duration * 1000;
    let restarted = !restart;
    let lastCalls = 0;
    let previous: number[] = [];
    let restarting: Promise<void> | undefined;
    while (Date.now() < end && !stop.signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      if (!restarted && Date.now() - started >= (duration * 1000) / 3) {
        restarted = true;
        restarting = rollingRestart(slots[0] as (typeof slots)[number]);
      }
      const states = await Promise.all(slots.map((s) => providers.probeState(s)));
      // Each provider's total so far, and its share of the last second's calls.
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
      io.out(
        `t=${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s ${String(rate).padStart(6)} calls/s | ${cols.join(" | ")} | failed ${stats.failures}`,
      );
    }
    stop.abort();
    await loadDone;
    await restarting;
  } finally {
    process.off("SIGINT", onSigint);
    stop.abort();
    consumer.close();
    await Promise.all(slots.map((s) => providers.stopProvider(s)));
  }
  const seconds = (Date.now() - started) / 1000;
  io.out("");
  io.out(
    `summary: ${stats.calls} calls in ${seconds.toFixed(1)} s (${Math.round(stats.calls / seconds)}/s), ${stats.failures} failed`,
  );
  const total = [...stats.byInstance.values()].reduce((a, b) => a + b, 0) || 1;
  for (const s of slots) {
    const n = stats.byInstance.get(`127.0.0.1:${s.port}`) ?? 0;
    io.out(
      `  ${s.name} 127.0.0.1:${s.port}: ${n} calls (${((100 * n) / total).toFixed(1)}%), ${s.generation} process(es)`,
    );
  }
  for (const sample of stats.failureSamples) io.err(`  failed: ${sample}`);
  return stats.failures === 0 ? EXIT_OK : EXIT_FAILURE;

  async function rollingRestart(slot: (typeof slots)[number]): Promise<void> {
    io.out(`${slot.name}: SIGTERM (goes offline, drains, exits) ...`);
    const code = await providers.stopProvider(slot);
    io.out(`${slot.name}: exited with ${code}; a new process starts in 1 s, as on Kubernetes`);
    await new Promise((r) => setTimeout(r, 1000));
    if (stop.signal.aborted) return;
    await providers.startProvider(slot, shutdownDelayMs);
    io.out(`${slot.name}: restarted (process ${slot.generation})`);
  }
}
