/**
 * The measuring loop of a client process (a consumer contestant, or the load client of the provider rows): CALLS
 * concurrent callers on one connection, each making one call after another of the call kind KIND, for WARMUP_MS (not
 * counted) and then DURATION_MS. Calls completing inside the measured window are counted; messages are counted as
 * they are received for server streaming and bidi (the call reports each one), as the calls complete otherwise (a
 * client-streaming call counts as its MESSAGES requests). Prints one JSON result line on stdout:
 * `{"event":"result","calls":...,"callsPerSec":...,"msgsPerSec":...,"p50Ms":...,"p99Ms":...,"cpuUsPerCall":...,"errors":...}`
 * (`cpuUsPerCall`: the client process's CPU time, user + system, in the measured window per completed call).
 *
 * Env: KIND (unary | server-stream | client-stream | bidi; default unary), CALLS (64), MESSAGES (500, per streaming
 * call), WARMUP_MS (1000), DURATION_MS (3000), NAME ("world", the unary and client-stream request name).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { percentile } from "./stats.mjs";

const MAX_ERRORS = 100;

/** The call kinds a client script implements, by KIND. */
export const KINDS = ["unary", "server-stream", "client-stream", "bidi"];

/** The load a client process was asked for, from its environment. */
export function loadConfig(env = process.env) {
  const kind = env.KIND ?? "unary";
  if (!KINDS.includes(kind)) throw new Error(`unknown KIND ${kind}`);
  return {
    kind,
    calls: Number(env.CALLS ?? env.INFLIGHT ?? 64),
    messages: kind === "unary" ? 1 : Number(env.MESSAGES ?? 500),
    warmupMs: Number(env.WARMUP_MS ?? 1000),
    durationMs: Number(env.DURATION_MS ?? 3000),
    name: env.NAME ?? "world",
  };
}

/**
 * Measures `call(received)` (one call of the configured kind, resolving once every reply of it is checked; a
 * streaming-response call invokes `received()` for each message it gets) and prints the result line. `close`
 * releases the client's connection afterwards.
 */
export async function runClientLoop(call, close = () => {}, cfg = loadConfig()) {
  try {
    const perMessage = cfg.kind === "server-stream" || cfg.kind === "bidi";
    let stop = false;
    let measuring = false;
    let calls = 0;
    let messages = 0;
    const received = () => {
      if (measuring) messages++;
    };
    await call(received); // the connection is up before anything is timed
    let errors = 0;
    let firstError;
    const latencies = [];
    const worker = async () => {
      while (!stop && errors < MAX_ERRORS) {
        const t = performance.now();
        try {
          await call(received);
          if (measuring) {
            calls++;
            if (!perMessage) messages += cfg.messages;
            latencies.push(performance.now() - t);
          }
        } catch (err) {
          if (stop) return;
          errors++;
          firstError ??= err;
        }
      }
    };
    const workers = Array.from({ length: cfg.calls }, worker);
    await sleep(cfg.warmupMs);
    measuring = true;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sleep(cfg.durationMs);
    measuring = false;
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(workers);
    const sorted = Float64Array.from(latencies).sort();
    const result = {
      event: "result",
      kind: cfg.kind,
      calls,
      messages,
      errors,
      firstError: firstError ? String(firstError?.stack ?? firstError) : undefined,
      seconds,
      callsPerSec: calls / seconds,
      msgsPerSec: messages / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      cpuUsPerCall: calls > 0 ? (cpu.user + cpu.system) / calls : undefined,
      maxRssKiB: process.resourceUsage().maxRSS,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await close();
  }
}

/** Throws unless a reply is the expected greeting (each contestant checks every reply). */
export function expectGreeting(actual, expected) {
  if (actual !== expected) throw new Error(`unexpected reply ${JSON.stringify(actual)}, expected ${expected}`);
}

/**
 * The request stream of a bidi ping-pong call on a connect-style client (an async iterable the client pulls):
 * request i+1 is yielded only after `replied()` was called for reply i. `n` requests named `names(i)`.
 */
export function pingPongRequests(n, names) {
  let credits = 1;
  let wake;
  async function* requests() {
    for (let i = 1; i <= n; i++) {
      while (credits === 0) await new Promise((resolve) => (wake = resolve));
      credits--;
      yield { name: names(i) };
    }
  }
  return {
    requests: requests(),
    replied() {
      credits++;
      const w = wake;
      wake = undefined;
      w?.();
    },
  };
}
