/**
 * Overload suite (issue 16): how a server behaves when more calls arrive than it can serve. Unary small, closed loop
 * (h2load, up to 16 connections x N streams).
 * - Sweep (once per run and contestant, one server): req/s at 1, 2, 4, ... calls in flight; "1x" is the smallest
 *   concurrency whose req/s reaches SATURATED (90%) of the best seen — where throughput stops growing.
 * - Levels: a fresh server per level at 1x, 2x and 5x that concurrency: OK calls/s, share of calls that failed or
 *   were shed (HTTP or gRPC errors: a call counts as OK only with its reply body), p99 of all calls, peak RSS.
 * In a closed loop latency is bounded by concurrency / throughput (Little's law); what the levels show is whether
 * p99 and memory grow in proportion to the queue or the server sheds load fast.
 */
import { join } from "node:path";
import { meterForeignCpu } from "../lib/cpu-load.mjs";
import { runH2load } from "../lib/h2load.mjs";
import { probe } from "../lib/probe.mjs";
import { memoryOf } from "../lib/proc-mem.mjs";
import { withServer } from "../lib/server-process.mjs";
import { replyBytes } from "../lib/workloads.mjs";

/** Share of the best req/s at which throughput counts as saturated. */
export const SATURATED = 0.9;
const MAX_CONNECTIONS = 16;

/** h2load's shape for `n` calls in flight: up to 16 connections, the rest as streams per connection. */
function shape(n) {
  const clients = Math.min(n, MAX_CONNECTIONS);
  const streams = Math.ceil(n / clients);
  return { clients, streams, concurrency: clients * streams };
}

function h2loadArgs(server, workload, requestFile, tmpDir, id) {
  return {
    url: `${server.url}/greet.v1.GreeterService/${workload.method}`,
    dataFile: requestFile,
    logFile: join(tmpDir, `${id}-overload.log`),
  };
}

/**
 * The sweep: `{ saturationConcurrency, saturationReqPerSec, saturated, points: [{ concurrency, reqPerSec }] }` of one
 * contestant's server (`levels`: calls in flight to try, ascending; `saturated` false when req/s still grew at the
 * top level, which is then 1x).
 */
export async function sweepSaturation(id, workload, { requestFile, tmpDir, levels, windowS }) {
  return withServer(id, async (server) => {
    await probe(server.url);
    const points = [];
    for (const n of levels) {
      const { clients, streams, concurrency } = shape(n);
      const r = await runH2load({
        ...h2loadArgs(server, workload, requestFile, tmpDir, id),
        clients,
        streams,
        durationS: windowS,
        warmupS: 0.3,
      });
      points.push({ concurrency, reqPerSec: r.reqPerSec });
    }
    const best = Math.max(...points.map((p) => p.reqPerSec));
    const first = points.find((p) => p.reqPerSec >= SATURATED * best);
    // Saturated only if a higher level of the sweep did not grow on (else 1x is the top level, a lower bound).
    const saturated = first !== points.at(-1);
    return { saturationConcurrency: first.concurrency, saturationReqPerSec: first.reqPerSec, saturated, points };
  });
}

/**
 * One level: `{ concurrency, okPerSec, reqPerSec, failedShare, p99Ms, p50Ms, peakRssKiB, foreignCpu }` of a fresh
 * server loaded with `concurrency` calls in flight. Warm-up is a separate h2load run (h2load's byte counts include
 * its own warm-up), so the measured run's reply bytes tell OK calls from failed ones.
 */
export async function measureOverloadLevel(id, workload, concurrency, { requestFile, tmpDir, durationS, warmupS }) {
  const { clients, streams } = shape(concurrency);
  return withServer(id, async (server) => {
    await probe(server.url);
    const args = { ...h2loadArgs(server, workload, requestFile, tmpDir, id), clients, streams };
    await runH2load({ ...args, durationS: warmupS, warmupS: 0 });
    const foreign = meterForeignCpu([server.pid]);
    const r = await runH2load({ ...args, durationS, warmupS: 0 });
    const foreignCpu = foreign();
    const { hwmKiB } = memoryOf(server.pid);
    await probe(server.url); // still serving correctly once the load is gone
    const ok = Math.min(r.succeeded, Math.floor(r.dataBytes / replyBytes(workload)));
    const done = Math.max(r.done, 1);
    return {
      concurrency: clients * streams,
      reqPerSec: r.reqPerSec,
      okPerSec: (r.reqPerSec * ok) / done,
      failedShare: 1 - ok / done,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      peakRssKiB: hwmKiB,
      foreignCpu,
    };
  });
}
