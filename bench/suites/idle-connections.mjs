/**
 * Idle-connection suite: a fresh server, one probe call (so lazily loaded code is in), its RSS; then another process
 * opens N idle HTTP/2 connections (SETTINGS + PING done) and after a short settle the server's RSS again. The
 * difference over N is the memory one idle connection costs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startNode, stop, waitFor } from "../lib/children.mjs";
import { IDLE_CONNECTIONS_SCRIPT } from "../lib/contestants.mjs";
import { probe } from "../lib/probe.mjs";
import { memoryOf } from "../lib/proc-mem.mjs";
import { withServer } from "../lib/server-process.mjs";

const SETTLE_MS = 500;

/** `{ rssBeforeKiB, rssAfterKiB, perConnKiB }` of one contestant's server with `connections` idle connections. */
export async function measureIdle(id, { connections }) {
  return withServer(id, async (server) => {
    await probe(server.url);
    await sleep(SETTLE_MS);
    const before = memoryOf(server.pid).rssKiB;
    const opener = startNode(IDLE_CONNECTIONS_SCRIPT, {
      env: { URL: server.url, CONNECTIONS: String(connections) },
    });
    try {
      await waitFor(opener, (m) => m.event === "ready", 60_000);
      await sleep(SETTLE_MS);
      await probe(server.url); // still serving with all of them open
      const after = memoryOf(server.pid).rssKiB;
      return { rssBeforeKiB: before, rssAfterKiB: after, perConnKiB: (after - before) / connections };
    } finally {
      await stop(opener);
    }
  });
}
