/**
 * Client suite: one contestant's client, in its own process, making calls of one kind on one connection against a
 * shared fast server (grpc-go or the raw node:http2 server: the server is not the limit, the client is): unary Greet
 * with 64 calls in flight, or 16 concurrent streaming calls of 500 messages (lib/workloads.mjs).
 */
import { startNode, stop, waitFor } from "../lib/children.mjs";
import { clientScript } from "../lib/contestants.mjs";
import { meterForeignCpu } from "../lib/cpu-load.mjs";

/**
 * `{ callsPerSec, msgsPerSec, p50Ms, p99Ms, clientPeakRssKiB, foreignCpu }` of one client contestant under `workload`
 * against the server `{ url, pid }`; `env` adds to the client's environment (TLS_CA for the TLS row).
 */
export async function measureClient(id, server, workload, { warmupMs, durationMs, env = {} }) {
  const foreign = meterForeignCpu([server.pid]);
  const child = startNode(clientScript(id), {
    env: {
      URL: server.url,
      KIND: workload.kind,
      CALLS: String(workload.calls),
      MESSAGES: String(workload.messages),
      WARMUP_MS: String(warmupMs),
      DURATION_MS: String(durationMs),
      ...env,
    },
  });
  try {
    const r = await waitFor(child, (m) => m.event === "result", warmupMs + durationMs + 30_000);
    if (r.errors > 0) throw new Error(`${id} client: ${r.errors} failed calls, first: ${r.firstError}`);
    await stop(child);
    return {
      callsPerSec: r.callsPerSec,
      msgsPerSec: r.msgsPerSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      clientPeakRssKiB: r.maxRssKiB,
      foreignCpu: foreign(),
    };
  } finally {
    await stop(child);
  }
}
