/**
 * The load clients of the rows h2load cannot drive (client streaming, bidi): `grpc-go` (load/grpc-go, built by
 * lib/grpc-go.mjs) or `node` (clients/raw-http2.mjs, the raw node:http2 client contestant, in its own process). Both
 * make CALLS concurrent calls on one connection, MESSAGES messages each, check every reply and print the same result
 * line (lib/client-loop.mjs). Which one is faster on this machine: bench/README.md ("Load clients").
 */
import { start, startNode, stop, waitFor } from "./children.mjs";
import { clientScript } from "./contestants.mjs";
import { childCpuSeconds } from "./cpu-load.mjs";
import { GRPC_GO_BINARY } from "./grpc-go.mjs";

/** The load client ids. */
export const LOAD_CLIENTS = ["grpc-go", "node"];

function launch(loader, url, { kind, calls, messages, name = "world", warmupMs, durationMs }) {
  if (loader === "grpc-go") {
    return start(GRPC_GO_BINARY, [
      "load",
      `-addr=${new URL(url).host}`,
      `-kind=${kind}`,
      `-calls=${calls}`,
      `-messages=${messages}`,
      `-name=${name}`,
      `-warmup-ms=${warmupMs}`,
      `-duration-ms=${durationMs}`,
    ]);
  }
  if (loader === "node") {
    return startNode(clientScript("raw-http2"), {
      env: {
        URL: url,
        KIND: kind,
        CALLS: String(calls),
        MESSAGES: String(messages),
        NAME: name,
        WARMUP_MS: String(warmupMs),
        DURATION_MS: String(durationMs),
      },
    });
  }
  throw new Error(`unknown load client ${loader}`);
}

/**
 * Runs one load against the server at `url` and resolves with its result line plus `loadCpuS`, the CPU seconds the
 * load client used (whole process, warm-up included). Throws on any failed call.
 */
export async function runLoadClient(loader, url, load) {
  const cpu0 = childCpuSeconds();
  const child = launch(loader, url, load);
  try {
    const r = await waitFor(child, (m) => m.event === "result", load.warmupMs + load.durationMs + 30_000);
    if (r.errors > 0) throw new Error(`${loader} load client: ${r.errors} failed calls, first: ${r.firstError}`);
    await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await stop(child);
    return { ...r, loadCpuS: childCpuSeconds() - cpu0 };
  } finally {
    await stop(child);
  }
}
