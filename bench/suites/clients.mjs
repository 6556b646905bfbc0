/**
 * Client suite: one contestant's client, in its own process, calling unary Greet (small message) with 64 calls in
 * flight on one connection against a shared raw node:http2 server (the fastest server, so the client is the limit).
 */
import { startNode, stop, waitFor } from "../lib/children.mjs";
import { clientScript } from "../lib/contestants.mjs";
import { meterForeignCpu } from "../lib/cpu-load.mjs";

/**
 * `{ callsPerSec, p50Ms, p99Ms, clientPeakRssKiB, foreignCpu }` of one client contestant against the server
 * `{ url, pid }`.
 */
export async function measureClient(id, server, { warmupMs, durationMs, inflight = 64 }) {
  const serverUrl = server.url;
  const foreign = meterForeignCpu([server.pid]);
  const child = startNode(clientScript(id), {
    env: { URL: serverUrl, INFLIGHT: String(inflight), WARMUP_MS: String(warmupMs), DURATION_MS: String(durationMs) },
  });
  try {
    const r = await waitFor(child, (m) => m.event === "result", warmupMs + durationMs + 30_000);
    if (r.errors > 0) throw new Error(`${id} client: ${r.errors} failed calls, first: ${r.firstError}`);
    await stop(child);
    return {
      callsPerSec: r.callsPerSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      clientPeakRssKiB: r.maxRssKiB,
      foreignCpu: foreign(),
    };
  } finally {
    await stop(child);
  }
}
