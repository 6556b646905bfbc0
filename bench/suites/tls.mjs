/**
 * TLS suites (issue 12), with the certificates of lib/tls-certs.mjs:
 * - `tls-unary-small`: the unary small row over https (suites/server-load.mjs with `tls`);
 * - `tls-handshake`: the cost of a new connection — h2load runs of 32 new connections that each make one Greet call
 *   (a full TLS 1.3 handshake, the HTTP/2 preface and SETTINGS, the call, the close), back to back, against one
 *   fresh server: connections/s from h2load's own run times, and the server's CPU time per connection;
 * - `tls-client`: the consumer's unary row (64 in flight, one connection) against the raw node:http2 TLS server.
 * `measureTlsRound` runs the ones asked for, once per round, with the runner's bookkeeping.
 */
import { rotate } from "../lib/contestants.mjs";
import { meterForeignCpu, processCpuSeconds } from "../lib/cpu-load.mjs";
import { runH2loadConnections } from "../lib/h2load.mjs";
import { probe } from "../lib/probe.mjs";
import { launchServer, withServer } from "../lib/server-process.mjs";
import {
  replyBytes,
  TLS_CLIENT,
  TLS_HANDSHAKE,
  TLS_UNARY,
  TLS_WORKLOADS,
  writeRequestFile,
} from "../lib/workloads.mjs";
import { measureClient } from "./clients.mjs";
import { measureServerLoad } from "./server-load.mjs";

/** The suite names `--only` accepts for the TLS rows (the group `tls` is all of them). */
export const TLS_SUITES = TLS_WORKLOADS.map((w) => w.id);

const httpsUrl = (server) => `https://127.0.0.1:${server.port}`;

/** Throws unless every connection of an h2load run made its call and got a reply body. */
function checkRun(id, r) {
  const n = TLS_HANDSHAKE.connections;
  if (r.succeeded !== n || r.failed || r.errored || r.timeout)
    throw new Error(`${id} tls-handshake: ${r.succeeded} of ${n} calls succeeded (${r.errored} errored)`);
  if (!(r.dataBytes >= n * replyBytes(TLS_UNARY))) throw new Error(`${id} tls-handshake: reply bodies missing`);
}

/**
 * `{ connsPerSec, serverCpuMsPerConn, connections, foreignCpu }` of one contestant's fresh TLS server under
 * back-to-back h2load runs of new connections: `warmupS` of runs not counted, then runs until `durationS` have
 * passed. connections/s = connections / the sum of h2load's "finished in" times (h2load's process start-up between
 * runs is not counted); server CPU = the server process's user + system time over the measured runs / connections.
 */
export async function measureTlsHandshakes(id, { tls, requestFile, durationS, warmupS }) {
  return withServer(
    id,
    async (server) => {
      const url = httpsUrl(server);
      await probe(url, { ca: tls.ca });
      const run = async () => {
        const r = await runH2loadConnections({
          url: `${url}/greet.v1.GreeterService/${TLS_HANDSHAKE.method}`,
          dataFile: requestFile,
          connections: TLS_HANDSHAKE.connections,
        });
        checkRun(id, r);
        return r;
      };
      for (const t = performance.now(); performance.now() - t < warmupS * 1000; ) await run();
      const foreign = meterForeignCpu([server.pid]);
      const cpu0 = processCpuSeconds(server.pid);
      let connections = 0;
      let busyMs = 0;
      for (const t = performance.now(); performance.now() - t < durationS * 1000; ) {
        const r = await run();
        connections += r.succeeded;
        busyMs += r.finishedMs;
      }
      const serverCpuS = processCpuSeconds(server.pid) - cpu0;
      const foreignCpu = foreign();
      await probe(url, { ca: tls.ca });
      return {
        connsPerSec: connections / (busyMs / 1000),
        serverCpuMsPerConn: (serverCpuS * 1000) / connections,
        connections,
        foreignCpu,
      };
    },
    { env: tls.serverEnv },
  );
}

/**
 * Runs this round's TLS measurements that `wanted(suite)` selects. `measure(label, fn)` takes a measurement (with
 * the runner's re-measuring and failure handling), `record(group, id, m)` keeps it; `load` holds the h2load options
 * (`tmpDir`, `durationS`, `warmupS`), `client` the client rows' (`warmupMs`, `durationMs`).
 */
export async function measureTlsRound(round, { wanted, tls, measure, record, load, client }) {
  const requestFile = writeRequestFile(load.tmpDir, TLS_UNARY);
  if (wanted(TLS_UNARY.id)) {
    for (const id of rotate(TLS_UNARY.contestants, round)) {
      const label = `${TLS_UNARY.id} ${id}`;
      record(
        TLS_UNARY.id,
        id,
        await measure(label, () => measureServerLoad(id, TLS_UNARY, { ...load, requestFile, tls })),
      );
    }
  }
  if (wanted(TLS_HANDSHAKE.id)) {
    const options = { tls, requestFile, durationS: load.durationS, warmupS: load.warmupS / 2 };
    for (const id of rotate(TLS_HANDSHAKE.contestants, round + 1)) {
      const label = `${TLS_HANDSHAKE.id} ${id}`;
      record(TLS_HANDSHAKE.id, id, await measure(label, () => measureTlsHandshakes(id, options)));
    }
  }
  if (wanted(TLS_CLIENT.id)) {
    const launched = await launchServer("raw-http2", { env: tls.serverEnv });
    const server = { ...launched, url: httpsUrl(launched) };
    try {
      await probe(server.url, { ca: tls.ca });
      for (const id of rotate(TLS_CLIENT.contestants, round + 2)) {
        const options = { ...client, env: { TLS_CA: tls.caPath } };
        record(
          TLS_CLIENT.id,
          id,
          await measure(`${TLS_CLIENT.id} ${id}`, () => measureClient(id, server, TLS_CLIENT, options)),
        );
      }
    } finally {
      await server.stop();
    }
  }
}
