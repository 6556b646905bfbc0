/**
 * Server suite: one contestant's server, fresh in its own process, loaded by h2load with one workload. Probes the
 * server before and after the load (a gRPC error is still HTTP 200 to h2load), checks every request succeeded (h2load's
 * "succeeded" = HTTP 2xx) and that the bodies add up to at least one reply per request (a trailers-only gRPC error has
 * none), and reads the server's peak RSS (VmHWM) at the end and the share of CPU other processes took meanwhile.
 */
import { join } from "node:path";
import { meterForeignCpu } from "../lib/cpu-load.mjs";
import { runH2load } from "../lib/h2load.mjs";
import { probe } from "../lib/probe.mjs";
import { memoryOf } from "../lib/proc-mem.mjs";
import { withServer } from "../lib/server-process.mjs";
import { replyBytes } from "../lib/workloads.mjs";

function check(id, workload, r) {
  const problems = [];
  if (!(r.succeeded > 0)) problems.push("no request succeeded");
  if (r.failed || r.errored || r.timeout)
    problems.push(`${r.failed} failed, ${r.errored} errored, ${r.timeout} timeout`);
  if (r.succeeded !== r.done) problems.push(`${r.done - r.succeeded} of ${r.done} not successful`);
  if (!(r.dataBytes >= r.succeeded * replyBytes(workload))) problems.push("response bodies missing (gRPC errors?)");
  if (problems.length) throw new Error(`${id} ${workload.id}: ${problems.join("; ")}`);
}

/** `{ reqPerSec, msgsPerSec?, p50Ms, p99Ms, peakRssKiB, requests, foreignCpu }` of one contestant under one workload. */
export async function measureServerLoad(id, workload, { requestFile, tmpDir, durationS, warmupS }) {
  return withServer(id, async (server) => {
    const probeOptions = { name: workload.messages ? "world" : workload.name, streamCount: workload.messages ?? 0 };
    await probe(server.url, probeOptions);
    const foreign = meterForeignCpu([server.pid]);
    const r = await runH2load({
      url: `${server.url}/greet.v1.GreeterService/${workload.method}`,
      dataFile: requestFile,
      clients: workload.clients,
      streams: workload.streams,
      durationS,
      warmupS,
      logFile: join(tmpDir, `${id}-${workload.id}.log`),
    });
    const foreignCpu = foreign();
    await probe(server.url, probeOptions);
    check(id, workload, r);
    const { hwmKiB } = memoryOf(server.pid);
    return {
      reqPerSec: r.reqPerSec,
      ...(workload.messages ? { msgsPerSec: r.reqPerSec * workload.messages } : {}),
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      peakRssKiB: hwmKiB,
      requests: r.succeeded,
      foreignCpu,
    };
  });
}
