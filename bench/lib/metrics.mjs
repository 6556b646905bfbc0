/**
 * The rows of the result tables: which measurement of which suite, its unit and whether higher or lower is better,
 * grouped in sections (one table each, with its own columns and ratio columns). `summarize` turns per-round
 * measurements into medians and ratios.
 */
import { CLIENT_CONTESTANTS, CONTESTANTS, RATIOS } from "./contestants.mjs";
import { median } from "./stats.mjs";
import {
  CLIENT_WORKLOADS,
  SERVER_WORKLOADS,
  TLS_CLIENT,
  TLS_CONTESTANTS,
  TLS_HANDSHAKE,
  TLS_UNARY,
} from "./workloads.mjs";

const MiB = 1 / 1024;

/** Overload levels (issue 16): multiples of the concurrency at which the provider's throughput saturates. */
export const OVERLOAD_LEVELS = [1, 2, 5];
/** Contestants of the overload rows. */
export const OVERLOAD_CONTESTANTS = ["dubbo-mesh", "grpc-js"];
/**
 * Variants of the cost rows (issue 13), all under unary small: the bare provider three ways, and the raw node:http2
 * server without and with one OpenTelemetry SDK span per call (the floor of any tracing's cost), and with the span
 * plus the context flow the issue requires (extracted from the request, current while the answer is made).
 */
export const COST_VARIANTS = ["metrics-off", "metrics-on", "tracing-sdk", "floor-off", "floor-sdk", "floor-context"];

/** The tables, in print order: `{ id, title, columns, ratios: [[a, b, heading]] }`. */
export const SECTIONS = [
  { id: "provider", title: "provider (server rows)", columns: CONTESTANTS, ratios: RATIOS },
  {
    id: "consumer",
    title: "consumer (client rows)",
    columns: CLIENT_CONTESTANTS,
    ratios: RATIOS.filter(([a]) => a === "dubbo-mesh"),
  },
  {
    id: "tls",
    title: "TLS (issue 12): servers over https (h2 by ALPN); consumer against the raw node:http2 TLS server",
    columns: TLS_CONTESTANTS,
    ratios: RATIOS.filter(([, b]) => b !== "connect-node"),
  },
  {
    id: "overload",
    title: "overload, unary small (issue 16)",
    columns: OVERLOAD_CONTESTANTS,
    ratios: [["dubbo-mesh", "grpc-js", "dm/grpc-js"]],
  },
  {
    id: "cost",
    title: "cost of observability, bare provider, unary small (issue 13)",
    columns: COST_VARIANTS,
    ratios: [
      ["metrics-on", "metrics-off", "on/off"],
      ["tracing-sdk", "metrics-on", "sdk/on"],
      ["floor-sdk", "floor-off", "floor sdk/off"],
      ["floor-context", "floor-off", "floor ctx/off"],
    ],
  },
  {
    id: "load-clients",
    title: "load clients of the provider's streaming rows, against the raw node:http2 server",
    columns: ["grpc-go", "node"],
    ratios: [["grpc-go", "node", "go/node"]],
  },
  {
    id: "consumer-servers",
    title: "server of the consumer rows, loaded by the raw node:http2 client",
    columns: ["grpc-go", "raw-http2"],
    ratios: [["grpc-go", "raw-http2", "go/raw"]],
  },
  {
    id: "footprint",
    title: "idle connections and start-up",
    columns: CLIENT_CONTESTANTS,
    ratios: RATIOS.filter(([a]) => a === "dubbo-mesh"),
  },
];

function serverRows(w) {
  const perCall = w.messages ? " (per call)" : "";
  const throughput = w.messages
    ? { key: "msgsPerSec", label: `${w.label}: msgs/s` }
    : { key: "reqPerSec", label: `${w.label}: req/s` };
  return [
    { ...throughput, better: "higher", digits: 0 },
    { key: "p50Ms", label: `${w.label}: p50 ms${perCall}`, better: "lower", digits: 1 },
    { key: "p99Ms", label: `${w.label}: p99 ms${perCall}`, better: "lower", digits: 1 },
    { key: "peakRssKiB", label: `${w.label}: peak RSS MiB`, better: "lower", scale: MiB, digits: 1 },
  ].map((m) => ({ section: "provider", group: w.id, ...m }));
}

function clientRows(w) {
  const unary = w.kind === "unary";
  const perCall = unary ? "" : " (per call)";
  return [
    unary
      ? { key: "callsPerSec", label: `${w.label}: calls/s`, better: "higher", digits: 0 }
      : { key: "msgsPerSec", label: `${w.label}: msgs/s`, better: "higher", digits: 0 },
    { key: "p50Ms", label: `${w.label}: p50 ms${perCall}`, better: "lower", digits: unary ? 2 : 1 },
    { key: "p99Ms", label: `${w.label}: p99 ms${perCall}`, better: "lower", digits: unary ? 2 : 1 },
    { key: "clientPeakRssKiB", label: `${w.label}: client peak RSS MiB`, better: "lower", scale: MiB, digits: 1 },
  ].map((m) => ({ section: "consumer", group: w.id, ...m }));
}

const overloadRows = [
  {
    group: "overload",
    key: "saturationConcurrency",
    label: "1x = calls in flight where req/s saturates",
    better: "higher",
    digits: 0,
  },
  { group: "overload", key: "saturationReqPerSec", label: "saturated req/s (sweep)", better: "higher", digits: 0 },
  ...OVERLOAD_LEVELS.flatMap((x) => [
    { group: `overload-${x}x`, key: "okPerSec", label: `${x}x load: OK calls/s`, better: "higher", digits: 0 },
    { group: `overload-${x}x`, key: "p99Ms", label: `${x}x load: p99 ms (all calls)`, better: "lower", digits: 1 },
    {
      group: `overload-${x}x`,
      key: "peakRssKiB",
      label: `${x}x load: peak RSS MiB`,
      better: "lower",
      scale: MiB,
      digits: 1,
    },
    {
      group: `overload-${x}x`,
      key: "failedShare",
      label: `${x}x load: failed or shed calls %`,
      better: "lower",
      scale: 100,
      digits: 1,
    },
  ]),
].map((m) => ({ section: "overload", ...m }));

const costRows = [
  { key: "reqPerSec", label: "unary small: req/s", better: "higher", digits: 0 },
  { key: "p99Ms", label: "unary small: p99 ms", better: "lower", digits: 1 },
  { key: "cpuUsPerCall", label: "unary small: server CPU µs/call", better: "lower", digits: 1 },
  { key: "peakRssKiB", label: "unary small: peak RSS MiB", better: "lower", scale: MiB, digits: 1 },
].map((m) => ({ section: "cost", group: "cost", ...m }));

const footprintRows = [
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
].map((m) => ({ section: "footprint", ...m }));

/** The streaming call kinds the instrument check runs. */
export const INSTRUMENT_KINDS = ["client-stream", "bidi"];

const instrumentRows = INSTRUMENT_KINDS.flatMap((kind) => [
  {
    section: "load-clients",
    group: `instrument-load-${kind}`,
    key: "msgsPerSec",
    label: `${kind}: msgs/s`,
    better: "higher",
    digits: 0,
  },
  {
    section: "load-clients",
    group: `instrument-load-${kind}`,
    key: "loadCpuS",
    label: `${kind}: load client CPU s (whole run)`,
    better: "lower",
    digits: 2,
  },
  {
    section: "consumer-servers",
    group: `instrument-server-${kind}`,
    key: "msgsPerSec",
    label: `${kind}: msgs/s`,
    better: "higher",
    digits: 0,
  },
]);

const tlsRows = [
  ...serverRows(TLS_UNARY),
  { group: TLS_HANDSHAKE.id, key: "connsPerSec", label: `${TLS_HANDSHAKE.label}: connections/s`, better: "higher" },
  {
    group: TLS_HANDSHAKE.id,
    key: "serverCpuMsPerConn",
    label: `${TLS_HANDSHAKE.label}: server CPU ms per connection`,
    better: "lower",
    digits: 2,
  },
  ...clientRows(TLS_CLIENT),
].map((m) => ({ digits: 0, ...m, section: "tls" }));

/** Every table row: `{ section, group, key, label, better: "higher"|"lower", scale?, digits }`. */
export const METRICS = [
  ...SERVER_WORKLOADS.flatMap(serverRows),
  ...CLIENT_WORKLOADS.flatMap(clientRows),
  ...tlsRows,
  ...overloadRows,
  ...costRows,
  ...instrumentRows,
  ...footprintRows,
];

/**
 * Medians per (group, contestant, key) and ratios per metric (by its section's ratio columns), from
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
    const section = SECTIONS.find((s) => s.id === m.section);
    const value = (id) => medians[m.group]?.[id]?.[m.key] ?? Number.NaN;
    const values = Object.fromEntries(section.columns.map((id) => [id, value(id)]));
    const ratios = Object.fromEntries(section.ratios.map(([a, b, heading]) => [heading, value(a) / value(b)]));
    return { ...m, values, ratios };
  });
  return { medians, rows };
}
