/**
 * Instrument check (once per run): which load client drives the provider's streaming rows harder, and which server
 * lets the clients of the consumer rows go faster — so that neither the load client nor the server is what limits a
 * figure. Both load clients against the raw node:http2 server; the raw node:http2 client against both fast servers.
 */
import { runLoadClient } from "../lib/load-client.mjs";
import { probe } from "../lib/probe.mjs";
import { withServer } from "../lib/server-process.mjs";

/**
 * `{ msgsPerSec, loadCpuS, p99Ms }` of `loader` ("grpc-go" | "node") driving `workload` (client-stream or bidi)
 * against a fresh server (`server`: "raw-http2" or "grpc-go", started by `launch`).
 */
export async function measureInstrument(loader, workload, { launchOptions, warmupS, durationS }) {
  return withServer(
    launchOptions.id,
    async (server) => {
      await probe(server.url, { kinds: [workload.kind] });
      const r = await runLoadClient(loader, server.url, {
        kind: workload.kind,
        calls: workload.calls,
        messages: workload.messages,
        warmupMs: warmupS * 1000,
        durationMs: durationS * 1000,
      });
      return { msgsPerSec: r.msgsPerSec, loadCpuS: r.loadCpuS, p99Ms: r.p99Ms };
    },
    launchOptions,
  );
}
