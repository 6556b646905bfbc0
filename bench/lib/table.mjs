/**
 * Renders the summary rows as Markdown tables (readable on a terminal too), one per section, and the issues'
 * targets as checklists.
 */
import { SECTIONS } from "./metrics.mjs";

const LABELS = {
  "dubbo-mesh-app": "dubbo-mesh app",
  "metrics-off": "metrics off",
  "metrics-on": "metrics on, no tracing SDK",
  "tracing-sdk": "metrics on + OTel SDK (batch, no-op exporter)",
  "floor-off": "raw node:http2",
  "floor-sdk": "raw node:http2 + one SDK span",
  "floor-context": "raw node:http2 + span, context extracted and current",
};

function fmt(v, digits, scale = 1) {
  if (!Number.isFinite(v)) return "-";
  return (v * scale).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(v) {
  return Number.isFinite(v) ? `${v.toFixed(2)}x` : "-";
}

function markdownTable(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

/**
 * The tables: per section, one row per measured metric, a column per contestant (medians) that has a value in the
 * section, then the section's ratio columns that have a value. Sections with nothing measured are left out.
 */
export function renderTables(rows) {
  const out = [];
  for (const section of SECTIONS) {
    const measured = rows.filter(
      (r) => r.section === section.id && Object.values(r.values).some((v) => Number.isFinite(v)),
    );
    if (measured.length === 0) continue;
    const columns = section.columns.filter((id) => measured.some((r) => Number.isFinite(r.values[id])));
    const ratios = section.ratios
      .map(([, , heading]) => heading)
      .filter((h) => measured.some((r) => Number.isFinite(r.ratios[h])));
    const header = [section.title, ...columns.map((id) => LABELS[id] ?? id), ...ratios];
    const body = measured.map((r) => [
      `${r.label} ${r.better === "higher" ? "↑" : "↓"}`,
      ...columns.map((id) => fmt(r.values[id], r.digits, r.scale)),
      ...ratios.map((h) => ratio(r.ratios[h])),
    ]);
    out.push(markdownTable(header, body));
  }
  return out.join("\n\n");
}

function find(rows, group, key) {
  return rows.find((r) => r.group === group && r.key === key);
}

/** A target on a ratio: `{ text, ok, value }`, or not measured when the ratio is missing. */
function ratioTarget(rows, text, group, key, heading, test, why) {
  const v = find(rows, group, key)?.ratios[heading];
  if (!Number.isFinite(v)) return { text, ok: false, value: undefined, why };
  return { text, ok: test(v), value: ratio(v) };
}

const atLeast = (x) => (v) => v >= x;
const atMost = (x) => (v) => v <= x;

const PROVIDER_KINDS = [
  ["unary (small)", "unary-small", "reqPerSec"],
  ["server streaming", "stream", "msgsPerSec"],
  ["client streaming", "client-stream", "msgsPerSec"],
  ["bidi ping-pong", "bidi", "msgsPerSec"],
];
const CONSUMER_KINDS = [
  ["unary", "client", "callsPerSec"],
  ["server streaming", "consumer-server-stream", "msgsPerSec"],
  ["client streaming", "consumer-client-stream", "msgsPerSec"],
  ["bidi ping-pong", "consumer-bidi", "msgsPerSec"],
];

/** Issue 11's targets (one gRPC engine for all four call kinds). */
function issue11(rows) {
  const t = [];
  for (const [side, kinds] of [
    ["provider", PROVIDER_KINDS],
    ["consumer", CONSUMER_KINDS],
  ]) {
    for (const [name, group, key] of kinds) {
      t.push(ratioTarget(rows, `${side} ${name} >= 1.3x grpc-js`, group, key, "dm/grpc-js", atLeast(1.3)));
      t.push(ratioTarget(rows, `${side} ${name} >= 0.85x raw node:http2`, group, key, "dm/raw", atLeast(0.85)));
    }
  }
  t.push(
    ratioTarget(
      rows,
      "provider Triple HTTP/1.1 JSON unary >= 0.85x raw node:http",
      "h1-json",
      "reqPerSec",
      "dm/raw",
      atLeast(0.85),
    ),
    ratioTarget(
      rows,
      "provider unary (small) >= 0.9x raw node:http2, bare createProvider",
      "unary-small",
      "reqPerSec",
      "dm/raw",
      atLeast(0.9),
    ),
    ratioTarget(
      rows,
      "provider unary (small) >= 0.9x raw node:http2, the greeter application (dubbo-mesh app)",
      "unary-small",
      "reqPerSec",
      "app/raw",
      atLeast(0.9),
    ),
    ratioTarget(rows, "provider unary 1 KiB >= 0.9x raw node:http2", "unary-1k", "reqPerSec", "dm/raw", atLeast(0.9)),
    ratioTarget(rows, "provider unary 64 KiB >= 1.0x grpc-js", "unary-64k", "reqPerSec", "dm/grpc-js", atLeast(1.0)),
  );
  const rss = rows.filter(
    (r) => (r.key === "peakRssKiB" || r.key === "clientPeakRssKiB") && ["provider", "consumer"].includes(r.section),
  );
  const measured = rss.filter((r) => Number.isFinite(r.ratios["dm/grpc-js"]));
  const worse = measured.filter((r) => r.ratios["dm/grpc-js"] > 1);
  const worst = measured.reduce((a, r) => (a && a.ratios["dm/grpc-js"] >= r.ratios["dm/grpc-js"] ? a : r), undefined);
  t.push({
    text: `peak RSS no worse than grpc-js on every row (${measured.length} rows)`,
    ok: measured.length > 0 && worse.length === 0,
    value:
      measured.length === 0
        ? undefined
        : worse.length === 0
          ? `worst ${ratio(worst.ratios["dm/grpc-js"])} (${worst.label.replace(/: .*$/, "")})`
          : `over on ${worse.map((r) => `${r.label.replace(/: .*$/, "")} ${ratio(r.ratios["dm/grpc-js"])}`).join("; ")}`,
  });
  return t;
}

/** Issue 13's cost targets; `tracingWhy` says why the tracing row is missing, when it is. */
function issue13(rows, tracingWhy) {
  return [
    ratioTarget(rows, "metrics on (no tracing SDK) >= 0.97x metrics off", "cost", "reqPerSec", "on/off", atLeast(0.97)),
    ratioTarget(
      rows,
      "OpenTelemetry SDK + batch span processor, no-op exporter >= 0.85x tracing off",
      "cost",
      "reqPerSec",
      "sdk/on",
      atLeast(0.85),
      tracingWhy,
    ),
    tracingTargetFloor(rows),
    tracingFloor(rows),
  ];
}

/**
 * What tracing adds to a call, next to what the SDK adds to the raw node:http2 server — one span per call and
 * nothing else, and that span with the context flow issue 13 requires: the server's CPU per call with the SDK minus
 * without, for each. Information, not a target: it says how much of the provider's tracing cost is the SDK's own.
 */
function tracingFloor(rows) {
  const v = find(rows, "cost", "cpuUsPerCall")?.values ?? {};
  const text =
    "server CPU per call tracing adds, provider vs raw node:http2 with the same SDK: one span / span and context flow";
  const ours = v["tracing-sdk"] - v["metrics-on"];
  const floor = v["floor-sdk"] - v["floor-off"];
  const withContext = v["floor-context"] - v["floor-off"];
  if (!Number.isFinite(ours) || !Number.isFinite(floor)) return { text, info: true, value: undefined };
  const signed = (us) => (Number.isFinite(us) ? `${us >= 0 ? "+" : ""}${us.toFixed(1)} µs` : "-");
  const share = withContext > 0 ? ` (${(ours / withContext).toFixed(2)}x the raw server's with context flow)` : "";
  return { text, info: true, value: `${signed(ours)} vs ${signed(floor)} / ${signed(withContext)}${share}` };
}

/**
 * The 0.85x target's own floor: the raw node:http2 server with one SDK span per call and the context flow the issue
 * requires, against the same server untraced (req/s). Information: no provider can do better than the least server
 * that does what is asked.
 */
function tracingTargetFloor(rows) {
  const text = "the same requirements on raw node:http2 (span, context extracted and current), vs raw untraced";
  const v = find(rows, "cost", "reqPerSec")?.ratios["floor ctx/off"];
  return { text, info: true, value: Number.isFinite(v) ? ratio(v) : undefined };
}

/** Issue 12's TLS targets. */
function issue12(rows) {
  return [
    ratioTarget(
      rows,
      "provider unary (small) over TLS >= 1.3x grpc-js over TLS",
      "tls-unary-small",
      "reqPerSec",
      "dm/grpc-js",
      atLeast(1.3),
    ),
    ratioTarget(
      rows,
      "TLS handshake cost per new connection (server CPU ms) no worse than grpc-js",
      "tls-handshake",
      "serverCpuMsPerConn",
      "dm/grpc-js",
      atMost(1),
    ),
  ];
}

/** Issue 7's targets, kept so the next change sees a regression. */
function issue7(rows) {
  const startup = find(rows, "startup-app", "appBundleStartupMs")?.values["dubbo-mesh"];
  return [
    ratioTarget(
      rows,
      "provider unary (small) >= 0.85x raw node:http2",
      "unary-small",
      "reqPerSec",
      "dm/raw",
      atLeast(0.85),
    ),
    ratioTarget(rows, "provider unary (small) >= 1.3x grpc-js", "unary-small", "reqPerSec", "dm/grpc-js", atLeast(1.3)),
    ratioTarget(rows, "consumer >= 0.8x raw node:http2 client", "client", "callsPerSec", "dm/raw", atLeast(0.8)),
    ratioTarget(rows, "consumer >= 1.5x grpc-js client", "client", "callsPerSec", "dm/grpc-js", atLeast(1.5)),
    ratioTarget(
      rows,
      "provider p99 (unary small) no worse than grpc-js",
      "unary-small",
      "p99Ms",
      "dm/grpc-js",
      atMost(1),
    ),
    ratioTarget(rows, "idle RSS per connection no worse than grpc-js", "idle", "perConnKiB", "dm/grpc-js", atMost(1)),
    {
      text: "start-up < 300 ms (the greeter provider application as its Docker image runs it, bundled: spawn -> QOS /startup 200)",
      ok: startup < 300,
      value: Number.isFinite(startup) ? `${fmt(startup, 0)} ms` : undefined,
    },
  ];
}

/** Every issue's targets on this run's medians: `[{ issue, title, targets: [{ text, ok, value, why? }] }]`. */
export function evaluateTargets(rows, { tracingWhy } = {}) {
  return [
    { issue: 11, title: "one gRPC engine for all four call kinds", targets: issue11(rows) },
    { issue: 13, title: "cost of observability", targets: issue13(rows, tracingWhy) },
    { issue: 12, title: "TLS", targets: issue12(rows) },
    { issue: 7, title: "kept, so a regression shows", targets: issue7(rows) },
  ];
}

/**
 * The targets as Markdown: a heading line and a checklist per issue. With `measuredOnly` (a run of some suites) the
 * targets nothing was measured for are left out, and so are issues with none left.
 */
export function renderTargets(groups, { measuredOnly = false } = {}) {
  return groups
    .map(({ issue, title, targets }) => ({
      issue,
      title,
      targets: measuredOnly ? targets.filter((t) => t.value !== undefined) : targets,
    }))
    .filter(({ targets }) => targets.length > 0)
    .map(({ issue, title, targets }) => {
      const lines = targets.map((t) =>
        t.value === undefined
          ? `- [?] ${t.text}: not measured${t.why ? ` (${t.why})` : ""}`
          : `- ${t.info ? "(i)" : `[${t.ok ? "x" : " "}]`} ${t.text}: ${t.value}`,
      );
      return `Targets of issue ${issue}, ${title} (this run):\n\n${lines.join("\n")}`;
    })
    .join("\n\n");
}
