/**
 * Server suite (h2load): one contestant's server, fresh in its own process, loaded by h2load with one workload (gRPC
 * over HTTP/2, or Triple's HTTP/1.1 JSON with `--h1`). Probes the server before and after the load (a gRPC error is
 * still HTTP 200 to h2load), checks every request succeeded (h2load's "succeeded" = HTTP 2xx) and that the bodies add
 * up to at least one reply per request (a trailers-only gRPC error has none), and reads the server's peak RSS (VmHWM)
 * at the end and the share of CPU other processes took meanwhile.
 */
import { join } from "node:path";
import { serverScript } from "../lib/contestants.mjs";
import { meterForeignCpu, processCpuSeconds } from "../lib/cpu-load.mjs";
import { runH2load } from "../lib/h2load.mjs";
import { probe, probeJson } from "../lib/probe.mjs";
import { memoryOf } from "../lib/proc-mem.mjs";
import { withServer } from "../lib/server-process.mjs";
import { replyBytes } from "../lib/workloads.mjs";

/**
 * Throws unless every request of the window succeeded with a reply body. A window in which nothing completed without
 * any failure (a very slow server on a busy machine; the probes around it passed) is not an error: 0 req/s.
 */
function check(id, workload, r) {
  const problems = [];
  if (r.done === 0 && !r.failed && !r.errored && !r.timeout) return;
  if (r.failed || r.errored || r.timeout)
    problems.push(`${r.failed} failed, ${r.errored} errored, ${r.timeout} timeout`);
  if (r.succeeded !== r.done) problems.push(`${r.done - r.succeeded} of ${r.done} not successful`);
  if (!(r.dataBytes >= r.succeeded * replyBytes(workload))) problems.push("response bodies missing (gRPC errors?)");
  if (problems.length) throw new Error(`${id} ${workload.id}: ${problems.join("; ")}`);
}

/** The probe that fits a workload: gRPC calls (over TLS verified with `ca`, when given), or the HTTP/1.1 JSON call. */
export function probeFor(workload, ca) {
  if (workload.driver === "h1load") return (url) => probeJson(url, { name: workload.name });
  const options =
    workload.driver === "grpc-load"
      ? { kinds: [workload.kind] }
      : workload.messages
        ? { name: "world", streamCount: workload.messages }
        : { name: workload.name };
  return (url) => probe(url, { ...options, ca });
}

/**
 * `{ reqPerSec, msgsPerSec?, p50Ms, p99Ms, peakRssKiB, cpuUsPerCall, requests, foreignCpu }` of one contestant under one h2load
 * workload. `script` overrides the server script (a variant of the contestant); `env` is the server's environment.
 * A server that announces itself `unsupported` (a variant it cannot run) is not loaded: `{ unsupported: reason }`.
 * With `tls` (lib/tls-certs.mjs) the server is started with its `serverEnv` and loaded over https:// (h2load
 * negotiates h2 by ALPN and does not verify the certificate; the probes do, with its CA).
 */
export async function measureServerLoad(id, workload, { requestFile, tmpDir, durationS, warmupS, script, env, tls }) {
  const check1 = probeFor(workload, tls?.ca);
  return withServer(
    id,
    async (listening) => {
      const server = tls ? { ...listening, url: listening.url.replace("http:", "https:") } : listening;
      if (server.listening.unsupported) return { unsupported: server.listening.unsupported };
      await check1(server.url);
      const foreign = meterForeignCpu([server.pid]);
      // The server's CPU in the measured window: read when h2load's warm-up ends (started with it) and at its end.
      let cpu0 = Number.NaN;
      const warmed = setTimeout(() => {
        cpu0 = processCpuSeconds(server.pid);
      }, warmupS * 1000);
      const r = await runH2load({
        url: `${server.url}/greet.v1.GreeterService/${workload.method}`,
        dataFile: requestFile,
        clients: workload.clients,
        streams: workload.streams,
        durationS,
        warmupS,
        h1: workload.driver === "h1load",
        logFile: join(tmpDir, `${id}-${workload.id}.log`),
      });
      clearTimeout(warmed);
      const cpuS = processCpuSeconds(server.pid) - cpu0;
      const foreignCpu = foreign();
      await check1(server.url);
      check(id, workload, r);
      const { hwmKiB } = memoryOf(server.pid);
      return {
        reqPerSec: r.reqPerSec,
        ...(workload.messages ? { msgsPerSec: r.reqPerSec * workload.messages } : {}),
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        peakRssKiB: hwmKiB,
        // Steadier than req/s on a busy machine (other processes take turns on the cores, not instructions from the
        // call), though not immune: at a much lower rate each event-loop turn and write carries fewer calls.
        cpuUsPerCall: r.succeeded > 0 && Number.isFinite(cpuS) ? (cpuS * 1e6) / r.succeeded : undefined,
        requests: r.succeeded,
        foreignCpu,
      };
    },
    { script: script ?? serverScript(id, workload), env: { ...env, ...tls?.serverEnv } },
  );
}
