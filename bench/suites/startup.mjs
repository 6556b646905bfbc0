/**
 * Start-up suite: spawn a contestant's server process and measure, from the spawn, the time until it prints that it
 * listens and the time until a first call from the runner succeeds. (QOS `/startup` readiness is not measured yet:
 * these two numbers stand in for it.)
 */
import { probe } from "../lib/probe.mjs";
import { launchServer } from "../lib/server-process.mjs";

/** `{ listeningMs, firstCallMs }` for one fresh start of `id`'s server. */
export async function measureStartup(id) {
  const t0 = performance.now();
  const server = await launchServer(id);
  try {
    const listeningMs = performance.now() - t0;
    await probe(server.url);
    return { listeningMs, firstCallMs: performance.now() - t0 };
  } finally {
    await server.stop();
  }
}
