/** Renders the summary rows as a Markdown table (readable on a terminal too) and the issue's targets as a checklist. */
import { CONTESTANTS, PEERS } from "./contestants.mjs";

const SHORT = { "raw-http2": "raw", "grpc-js": "grpc-js", "connect-node": "connect" };

function fmt(v, digits, scale = 1) {
  if (!Number.isFinite(v)) return "-";
  return (v * scale).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(v) {
  return Number.isFinite(v) ? `${v.toFixed(2)}x` : "-";
}

/**
 * The table: one row per measured metric, a column per contestant (medians), then dubbo-mesh / peer ratios.
 */
export function renderTable(rows) {
  const header = ["metric", ...CONTESTANTS, ...PEERS.map((p) => `dm/${SHORT[p]}`)];
  const measured = rows.filter((r) => CONTESTANTS.some((id) => Number.isFinite(r.values[id])));
  const body = measured.map((r) => [
    `${r.label} ${r.better === "higher" ? "↑" : "↓"}`,
    ...CONTESTANTS.map((id) => fmt(r.values[id], r.digits, r.scale)),
    ...PEERS.map((p) => ratio(r.ratios[p])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** The issue's targets, evaluated on this run's medians: `[{ text, ok, value }]`. */
export function evaluateTargets(rows) {
  const row = (group, key) => rows.find((r) => r.group === group && r.key === key);
  const unary = row("unary-small", "reqPerSec");
  const p99 = row("unary-small", "p99Ms");
  const client = row("client", "callsPerSec");
  const idle = row("idle", "perConnKiB");
  const startup = row("startup-app", "appBundleStartupMs");
  return [
    {
      text: "provider unary (small) >= 0.85x raw node:http2",
      ok: unary.ratios["raw-http2"] >= 0.85,
      value: ratio(unary.ratios["raw-http2"]),
    },
    {
      text: "provider unary (small) >= 1.3x grpc-js",
      ok: unary.ratios["grpc-js"] >= 1.3,
      value: ratio(unary.ratios["grpc-js"]),
    },
    {
      text: "consumer >= 0.8x raw node:http2 client",
      ok: client.ratios["raw-http2"] >= 0.8,
      value: ratio(client.ratios["raw-http2"]),
    },
    {
      text: "consumer >= 1.5x grpc-js client",
      ok: client.ratios["grpc-js"] >= 1.5,
      value: ratio(client.ratios["grpc-js"]),
    },
    {
      text: "provider p99 (unary small) no worse than grpc-js",
      ok: p99.ratios["grpc-js"] <= 1,
      value: ratio(p99.ratios["grpc-js"]),
    },
    {
      text: "idle RSS per connection no worse than grpc-js",
      ok: idle.ratios["grpc-js"] <= 1,
      value: ratio(idle.ratios["grpc-js"]),
    },
    {
      text: "start-up < 300 ms (the greeter provider application as its Docker image runs it, bundled: spawn -> QOS /startup 200)",
      ok: startup.values["dubbo-mesh"] < 300,
      value: `${fmt(startup.values["dubbo-mesh"], 0)} ms`,
    },
  ];
}

/** The targets as Markdown list lines. */
export function renderTargets(targets) {
  return targets
    .map((t) =>
      t.value.startsWith("-") ? `- [?] ${t.text}: not measured` : `- [${t.ok ? "x" : " "}] ${t.text}: ${t.value}`,
    )
    .join("\n");
}
