/** The contestants of the benchmark: ids, columns, ratio columns and the scripts of their processes. */
import { fileURLToPath } from "node:url";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));

/**
 * Every column of the table, ours first: the bare provider / consumer, the greeter application as users run it
 * (server rows only), then the peers.
 */
export const CONTESTANTS = ["dubbo-mesh", "dubbo-mesh-app", "connect-node", "grpc-js", "raw-http2"];

/** Server contestants of the provider rows (a workload may name fewer). */
export const SERVER_CONTESTANTS = CONTESTANTS;

/** Client contestants of the consumer rows. */
export const CLIENT_CONTESTANTS = ["dubbo-mesh", "connect-node", "grpc-js", "raw-http2"];

/** The ratio columns: `[ours, peer, heading]`, each ours' median / the peer's. */
export const RATIOS = [
  ["dubbo-mesh", "raw-http2", "dm/raw"],
  ["dubbo-mesh", "grpc-js", "dm/grpc-js"],
  ["dubbo-mesh", "connect-node", "dm/connect"],
  ["dubbo-mesh-app", "raw-http2", "app/raw"],
  ["dubbo-mesh-app", "grpc-js", "app/grpc-js"],
];

/** Path of a server script by its file name in servers/ (without `.mjs`). */
export function serverScriptNamed(name) {
  return here(`../servers/${name}.mjs`);
}

/** Path of a contestant's server script for a workload (some workloads use another server for a column). */
export function serverScript(id, workload) {
  return serverScriptNamed(workload?.servers?.[id] ?? id);
}

/** Path of a contestant's client script. */
export function clientScript(id) {
  return here(`../clients/${id}.mjs`);
}

/** Path of the idle-connection opener. */
export const IDLE_CONNECTIONS_SCRIPT = here("../clients/idle-connections.mjs");

/** `list` rotated left by `by` — the order of contestants in round `by`, so no one always goes first. */
export function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
