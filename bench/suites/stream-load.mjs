/**
 * Provider suite for the call kinds h2load cannot drive (client streaming, bidi): one contestant's server, fresh in
 * its own process, loaded by the bench's load client (grpc-go or node, lib/load-client.mjs): CALLS concurrent calls
 * on one connection, MESSAGES messages each, every reply checked. Probes before and after, reads the server's peak
 * RSS (VmHWM) and the share of CPU other processes took meanwhile.
 */
import { serverScript } from "../lib/contestants.mjs";
import { meterForeignCpu } from "../lib/cpu-load.mjs";
import { runLoadClient } from "../lib/load-client.mjs";
import { memoryOf } from "../lib/proc-mem.mjs";
import { withServer } from "../lib/server-process.mjs";
import { probeFor } from "./server-load.mjs";

/** `{ msgsPerSec, callsPerSec, p50Ms, p99Ms, peakRssKiB, loadCpuS, foreignCpu }` of one contestant's server. */
export async function measureStreamLoad(id, workload, { loadClient, warmupS, durationS, script, env }) {
  const check = probeFor(workload);
  return withServer(
    id,
    async (server) => {
      await check(server.url);
      const foreign = meterForeignCpu([server.pid]);
      const r = await runLoadClient(loadClient, server.url, {
        kind: workload.kind,
        calls: workload.calls,
        messages: workload.messages,
        warmupMs: warmupS * 1000,
        durationMs: durationS * 1000,
      });
      const foreignCpu = foreign();
      await check(server.url);
      const { hwmKiB } = memoryOf(server.pid);
      return {
        msgsPerSec: r.msgsPerSec,
        callsPerSec: r.callsPerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        peakRssKiB: hwmKiB,
        loadCpuS: r.loadCpuS,
        foreignCpu,
      };
    },
    { script: script ?? serverScript(id, workload), env },
  );
}
