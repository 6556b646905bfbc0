/** The contestants of the benchmark: ids, labels and the scripts of their server and client processes. */
import { fileURLToPath } from "node:url";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));

/** Ours first; the ratio columns are dubbo-mesh / each peer. */
export const CONTESTANTS = ["dubbo-mesh", "connect-node", "grpc-js", "raw-http2"];

/** The peers dubbo-mesh is compared with, in ratio-column order. */
export const PEERS = ["raw-http2", "grpc-js", "connect-node"];

/** Path of a contestant's server script. */
export function serverScript(id) {
  return here(`../servers/${id}.mjs`);
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
