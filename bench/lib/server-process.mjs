/**
 * Starts a contestant's server in its own Node process (same Node binary as the runner) and waits until it listens.
 * Reports the wall time from spawn to the "listening" line as seen by the runner.
 */
import { start, startNode, stop, waitFor } from "./children.mjs";
import { serverScript } from "./contestants.mjs";

/**
 * A running server: `{ id, child, pid, port, url, spawnToListeningMs, stop() }`. `script` overrides the contestant's
 * own server script (a workload's variant); `command` runs a non-Node server (`[file, ...args]`, e.g. grpc-go).
 */
export async function launchServer(id, { nodeArgs = [], env = {}, script, command } = {}) {
  const t0 = performance.now();
  const child = command
    ? start(command[0], command.slice(1), { env: { ...process.env, ...env } })
    : startNode(script ?? serverScript(id), { nodeArgs, env: { PORT: "0", ...env } });
  try {
    const listening = await waitFor(child, (m) => m.event === "listening", 30_000);
    const { port } = listening;
    return {
      id,
      listening,
      child,
      pid: child.pid,
      port,
      url: `http://127.0.0.1:${port}`,
      spawnToListeningMs: performance.now() - t0,
      stop: () => stop(child),
    };
  } catch (err) {
    await stop(child);
    throw new Error(`${id} server did not start: ${err.message}`);
  }
}

/**
 * Runs `fn(server)` against a fresh server of `id` and always stops the server afterwards. When `fn` fails because
 * the server died, the error says how it exited and ends with the last lines of its stderr (on one line).
 */
export async function withServer(id, fn, options) {
  const server = await launchServer(id, options);
  try {
    return await fn(server);
  } catch (err) {
    const { exitCode, signalCode, stderrTail } = server.child;
    if (exitCode === null && signalCode === null) throw err;
    const cause = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    const tail = stderrTail.trim().split("\n").slice(-6).join(" | ");
    throw new Error(
      `${id} server exited (${exitCode ?? signalCode}) during the measurement (${cause}); stderr: ${tail}`,
    );
  } finally {
    await server.stop();
  }
}
