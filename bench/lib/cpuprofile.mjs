/**
 * Summarizes a V8 .cpuprofile (as written by `node --cpu-prof`): self time by function, by file and by category
 * (connect's pipeline, protobuf, node:http2, GC, AbortController/DOMException, ...), and the share of samples whose
 * stack touches each category or function at all (inclusive). Samples before `skipUs` (start-up, warm-up) are ignored.
 */

const CATEGORIES = [
  ["(root)", (_url, fn) => fn === "(root)"],
  ["GC", (_url, fn) => fn === "(garbage collector)"],
  ["idle", (_url, fn) => fn === "(idle)"],
  ["V8/native, unattributed (program)", (_url, fn) => fn === "(program)"],
  ["AbortController/AbortSignal/EventTarget", (url) => /node:internal\/(abort_controller|event_target)/.test(url)],
  ["DOMException", (url, fn) => /domexception/.test(url) || fn === "DOMException"],
  ["connect-node adapter (@connectrpc/connect-node)", (url) => url.includes("@connectrpc/connect-node/")],
  ["connect: async-iterable pipeline", (url) => /@connectrpc\/connect\/.*async-iterable\.js/.test(url)],
  [
    "connect: envelope/serialization/limits",
    (url) => /@connectrpc\/connect\/.*(envelope|serialization|limit-io|compression)\.js/.test(url),
  ],
  ["connect: other (handler, context, headers, errors)", (url) => url.includes("@connectrpc/connect/")],
  ["protobuf (@bufbuild/protobuf)", (url) => url.includes("@bufbuild/protobuf/")],
  ["grpc-js", (url) => url.includes("@grpc/grpc-js/")],
  ["dubbo-mesh packages", (url) => url.includes("/packages/") || url.includes("@dubbo-mesh/")],
  ["bench server code", (url) => url.includes("/bench/")],
  ["node:http2 (JS side)", (url) => /node:internal\/http2|node:http2/.test(url)],
  ["node streams", (url) => /node:internal\/streams|node:stream/.test(url)],
  [
    "web Headers / URL (undici, node:url)",
    (url) => /undici|node:internal\/(url|deps\/undici)|node:url|internal\/webidl/.test(url),
  ],
  [
    "promises/microtasks/nextTick",
    (url) => /node:internal\/process\/(task_queues|promises)|node:internal\/async_hooks/.test(url),
  ],
  ["timers", (url) => /node:internal\/timers|node:timers/.test(url)],
  ["net/socket", (url) => /node:net|node:internal\/(stream_base_commons|net)/.test(url)],
  ["events", (url) => /node:events|node:internal\/events/.test(url)],
  ["other node core", (url) => url.startsWith("node:")],
  ["native builtins (no script)", (url) => url === ""],
];

/** The category of a call frame. */
export function categorize(url, functionName) {
  for (const [name, test] of CATEGORIES) if (test(url, functionName)) return name;
  return "other";
}

function shortUrl(url) {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + 13);
  const work = url.indexOf("/work/main/");
  if (work >= 0) return url.slice(work + 11);
  return url;
}

function frameName({ functionName, url, lineNumber }) {
  return `${functionName || "(anonymous)"} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`.trim();
}

function add(map, key, v) {
  map.set(key, (map.get(key) ?? 0) + v);
}

/**
 * `{ totalMs, byFunction, byFile, byCategory, inclusiveByCategory, inclusiveByFunction }` — arrays of
 * `[name, ms]` sorted by time, the inclusive ones as `[name, share of busy time 0..1]`. Idle time is excluded from the total.
 */
export function summarizeProfile(profile, { skipUs = 0 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  let t = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    if (t < skipUs) continue;
    const dt = timeDeltas[i + 1] ?? 0;
    add(selfUs, samples[i], dt);
  }
  const byFunction = new Map();
  const byFile = new Map();
  const byCategory = new Map();
  const inclusive = new Map();
  const inclusiveFn = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url } = nodes.get(id).callFrame;
    const category = categorize(url, functionName);
    if (category === "idle") continue;
    totalUs += us;
    add(byFunction, frameName(nodes.get(id).callFrame), us);
    add(byFile, url ? shortUrl(url) : functionName, us);
    add(byCategory, category, us);
    const seen = new Set();
    const seenFn = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at).callFrame;
      if (f.functionName === "(root)") continue;
      seen.add(categorize(f.url, f.functionName));
      seenFn.add(frameName(f));
    }
    for (const c of seen) add(inclusive, c, us);
    for (const f of seenFn) add(inclusiveFn, f, us);
  }
  const sorted = (map, scale) => [...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v * scale]);
  return {
    totalMs: totalUs / 1000,
    byFunction: sorted(byFunction, 1 / 1000),
    byFile: sorted(byFile, 1 / 1000),
    byCategory: sorted(byCategory, 1 / 1000),
    inclusiveByCategory: sorted(inclusive, 1 / totalUs),
    inclusiveByFunction: sorted(inclusiveFn, 1 / totalUs),
  };
}
