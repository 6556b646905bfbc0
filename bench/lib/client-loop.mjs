/**
 * The measuring loop of a client contestant process: `inflight` concurrent callers on one connection, first for the
 * warm-up time (not counted), then for the measured time; prints one JSON result line
 * `{"event":"result","callsPerSec":...,"p50Ms":...,"p99Ms":...,"errors":...}` on stdout.
 * Configured by env: INFLIGHT (64), WARMUP_MS (1000), DURATION_MS (3000), NAME ("world").
 */
import { percentile } from "./stats.mjs";

const MAX_ERRORS = 100;

async function phase(call, inflight, ms, latencies) {
  const end = performance.now() + ms;
  let calls = 0;
  let errors = 0;
  let firstError;
  const worker = async () => {
    while (performance.now() < end && errors < MAX_ERRORS) {
      const t = performance.now();
      try {
        await call();
        calls++;
        if (latencies) latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  return { calls, errors, firstError, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Measures `call` (one unary call resolving when its reply is checked) and prints the result line. `close` releases
 * the client's connection afterwards.
 */
export async function runClientLoop(call, close = () => {}) {
  const inflight = Number(process.env.INFLIGHT ?? 64);
  const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
  const durationMs = Number(process.env.DURATION_MS ?? 3000);
  try {
    await call(); // the connection is up before anything is timed
    await phase(call, inflight, warmupMs, undefined);
    const latencies = [];
    const r = await phase(call, inflight, durationMs, latencies);
    const sorted = Float64Array.from(latencies).sort();
    const result = {
      event: "result",
      calls: r.calls,
      errors: r.errors,
      firstError: r.firstError ? String(r.firstError) : undefined,
      seconds: r.seconds,
      callsPerSec: r.calls / r.seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxRssKiB: process.resourceUsage().maxRSS,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await close();
  }
}

/** Throws unless a reply is the expected greeting (each contestant checks every reply). */
export function expectGreeting(actual, expected) {
  if (actual !== expected) throw new Error(`unexpected reply ${JSON.stringify(actual)}`);
}
