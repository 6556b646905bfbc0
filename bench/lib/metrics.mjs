/**
 * The rows of the result table: which measurement of which suite, its unit and whether higher or lower is better.
 * `summarize` turns per-round measurements into medians and dubbo-mesh/peer ratios.
 */
import { CONTESTANTS, PEERS } from "./contestants.mjs";
import { median } from "./stats.mjs";
import { SERVER_WORKLOADS } from "./workloads.mjs";

const MiB = 1 / 1024;

/** Every table row: `{ group, key, label, better: "higher"|"lower", scale?, digits }`. */
export const METRICS = [
  ...SERVER_WORKLOADS.flatMap((w) => [
    w.messages
      ? { group: w.id, key: "msgsPerSec", label: `${w.label}: msgs/s`, better: "higher", digits: 0 }
      : { group: w.id, key: "reqPerSec", label: `${w.label}: req/s`, better: "higher", digits: 0 },
    {
      group: w.id,
      key: "p50Ms",
      label: `${w.label}: p50 ms${w.messages ? " (per call)" : ""}`,
      better: "lower",
      digits: 1,
    },
    {
      group: w.id,
      key: "p99Ms",
      label: `${w.label}: p99 ms${w.messages ? " (per call)" : ""}`,
      better: "lower",
      digits: 1,
    },
    { group: w.id, key: "peakRssKiB", label: `${w.label}: peak RSS MiB`, better: "lower", scale: MiB, digits: 1 },
  ]),
  { group: "client", key: "callsPerSec", label: "client, 64 in flight: calls/s", better: "higher", digits: 0 },
  { group: "client", key: "p50Ms", label: "client, 64 in flight: p50 ms", better: "lower", digits: 2 },
  { group: "client", key: "p99Ms", label: "client, 64 in flight: p99 ms", better: "lower", digits: 2 },
  {
    group: "idle",
    key: "rssBeforeKiB",
    label: "server RSS, no connections: MiB",
    better: "lower",
    scale: MiB,
    digits: 1,
  },
  {
    group: "idle",
    key: "rssAfterKiB",
    label: "server RSS, 1000 idle conns: MiB",
    better: "lower",
    scale: MiB,
    digits: 1,
  },
  { group: "idle", key: "perConnKiB", label: "idle connection: KiB each", better: "lower", digits: 1 },
  { group: "startup", key: "listeningMs", label: "start-up: spawn -> listening ms", better: "lower", digits: 0 },
  { group: "startup", key: "firstCallMs", label: "start-up: spawn -> first OK call ms", better: "lower", digits: 0 },
  {
    group: "startup-app",
    key: "appStartupMs",
    label: "start-up: application (dist + node_modules) spawn -> QOS /startup 200 ms",
    better: "lower",
    digits: 0,
  },
  {
    group: "startup-app",
    key: "appBundleStartupMs",
    label: "start-up: application (bundle, as its image runs it) spawn -> QOS /startup 200 ms",
    better: "lower",
    digits: 0,
  },
];

/**
 * Medians per (group, contestant, key) and dubbo-mesh/peer ratios per metric, from
 * `rounds[group][contestant] = [measurement, ...]`.
 */
export function summarize(rounds) {
  const medians = {};
  for (const [group, byContestant] of Object.entries(rounds)) {
    medians[group] = {};
    for (const [id, list] of Object.entries(byContestant)) {
      const keys = new Set(list.flatMap((m) => Object.keys(m)));
      medians[group][id] = Object.fromEntries([...keys].map((k) => [k, median(list.map((m) => m[k]))]));
    }
  }
  const rows = METRICS.map((m) => {
    const value = (id) => medians[m.group]?.[id]?.[m.key] ?? Number.NaN;
    const values = Object.fromEntries(CONTESTANTS.map((id) => [id, value(id)]));
    const ratios = Object.fromEntries(PEERS.map((peer) => [peer, value("dubbo-mesh") / value(peer)]));
    return { ...m, values, ratios };
  });
  return { medians, rows };
}
