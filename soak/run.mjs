// `npm run soak -- --minutes N`: a long, steady, mixed load against a dubbo-mesh provider (a child process) through
// the dubbo-mesh consumer (this process) — all four call kinds, gRPC and Triple (HTTP/1.1 and HTTP/2), connection
// churn, client cancels, deadlines that expire — printing both processes' RSS, heap after GC, open file descriptors
// and event-loop lag over time. It fails on any unexpected call error, a provider that dies, or growth after the
// warm-up beyond the thresholds printed at the start. Not part of `npm test`.
import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Code, createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { processStats } from "./process-stats.mjs";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "3" },
    "interval-seconds": { type: "string" },
  },
});
const minutes = Number(args.minutes);
if (!Number.isFinite(minutes) || minutes <= 0)
  throw new Error(`--minutes: expected a positive number, got ${args.minutes}`);
const runMs = minutes * 60_000;
const intervalMs =
  1000 * Number(args["interval-seconds"] ?? Math.min(60, Math.max(5, Math.round((minutes * 60) / 30))));
const warmupMs = Math.max(30_000, runMs * 0.2);

/** Growth allowed between the first and the last third of the samples after warm-up (medians), per process. */
// Heap after a full GC and external memory are the leak signals; RSS is a coarse backstop (V8 grows its heap
// reservation in steps of ~32 MiB under load, heap use flat), file descriptors catch leaked sockets.
const limits = { heapMiB: 8, externalMiB: 8, rssMiB: 64, fds: 16, lagP99Ms: 100 };

if (typeof globalThis.gc !== "function") {
  console.error("soak: run with node --expose-gc (npm run soak does) so heap figures are taken after a full GC");
  process.exit(2);
}

const child = fork(new URL("./provider.mjs", import.meta.url), [], { execArgv: ["--expose-gc"], stdio: "inherit" });
let childExit;
child.once("exit", (code, signal) => {
  childExit = { code, signal };
});
const port = await new Promise((resolve, reject) => {
  child.once("message", (m) => (m.type === "listening" ? resolve(m.port) : reject(new Error("unexpected message"))));
  child.once("exit", () => reject(new Error("the provider exited before listening")));
});
const pending = new Map();
let sampleId = 0;
child.on("message", (m) => {
  if (m.type === "sample") pending.get(m.id)?.(m);
});
const sampleProvider = () =>
  new Promise((resolve, reject) => {
    const id = ++sampleId;
    const timer = setTimeout(() => reject(new Error("the provider did not answer a sample within 10 s")), 10_000);
    pending.set(id, (m) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(m);
    });
    child.send({ type: "sample", id });
  });

const target = `tri://127.0.0.1:${port}`;
const consumer = createConsumer({ application: "soak", timeout: 5000, retries: 0 });
const grpc = consumer.reference(GreeterService, { url: target });

const counts = { unary: 0, serverStream: 0, clientStream: 0, bidi: 0, churn: 0, cancelled: 0, deadline: 0, broke: 0 };
const unexpected = new Map(); // message -> count
let running = true;

function fail(kind, e) {
  const text = `${kind}: ${e?.code !== undefined ? `${Code[e.code]} ` : ""}${e instanceof Error ? e.message : String(e)}`;
  if (unexpected.has(text) || unexpected.size < 50) unexpected.set(text, (unexpected.get(text) ?? 0) + 1);
}

function expectEqual(kind, got, want) {
  if (got !== want) throw new Error(`${kind}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

async function* names(list) {
  for (const n of list) yield { name: n };
}

/** One call of each kind on a client, each checked. */
const ops = {
  async unary(client, i) {
    expectEqual("unary", (await client.greet({ name: `u${i}` })).greeting, `hello, u${i}`);
    counts.unary++;
  },
  async serverStream(client) {
    const got = [];
    for await (const r of client.greetStream({ name: "count:5" })) got.push(r.greeting);
    expectEqual("server stream", got.join(" "), "#1 #2 #3 #4 #5");
    counts.serverStream++;
  },
  async clientStream(client) {
    expectEqual("client stream", (await client.greetClientStream(names(["a", "b", "c"]))).greeting, "a, b, c");
    counts.clientStream++;
  },
  async bidi(client) {
    const got = [];
    for await (const r of client.greetBidi(names(["x", "y", "z"]))) got.push(r.greeting);
    expectEqual("bidi", got.join(""), "xyz");
    counts.bidi++;
  },
  /** A client that gives up: an abort while the handler sleeps -> CANCELED. */
  async cancel(client) {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20).unref();
    try {
      await client.greet({ name: "sleep:2000" }, { signal: abort.signal });
      throw new Error("cancel: the call succeeded");
    } catch (e) {
      if (e?.code !== Code.Canceled) throw e;
    }
    counts.cancelled++;
  },
  /** A deadline that expires while the handler sleeps -> DEADLINE_EXCEEDED. */
  async deadline(client) {
    try {
      await client.greet({ name: "sleep:2000" }, { timeoutMs: 30 });
      throw new Error("deadline: the call succeeded");
    } catch (e) {
      if (e?.code !== Code.DeadlineExceeded) throw e;
    }
    counts.deadline++;
  },
  /** A caller that stops reading a slow stream after its first message (RST_STREAM CANCEL). */
  async breakOut(client) {
    for await (const _ of client.greetStream({ name: "tick:50" })) break;
    counts.broke++;
  },
};

/** Runs `op` back to back (with `pauseMs` between calls) until the run ends, recording unexpected errors. */
async function loop(kind, op, pauseMs) {
  for (let i = 0; running; i++) {
    try {
      await op(grpc, i);
    } catch (e) {
      fail(kind, e);
    }
    await sleep(pauseMs);
  }
}

/** Connection churn: every `everyMs` a new consumer (new connections), one call of each kind, closed again. */
async function churn(everyMs) {
  while (running) {
    const fresh = createConsumer({ application: "soak-churn", timeout: 5000, retries: 0 });
    try {
      const g = fresh.reference(GreeterService, { url: target });
      const h1 = fresh.reference(GreeterService, { url: target, protocol: "triple", httpVersion: "1.1" });
      const h2 = fresh.reference(GreeterService, { url: target, protocol: "triple", httpVersion: "2" });
      await Promise.all([ops.unary(g, 0), ops.serverStream(g), ops.clientStream(g), ops.bidi(g)]);
      for (const t of [h1, h2]) {
        await ops.unary(t, 1);
        await ops.serverStream(t); // Server-Sent Events over Triple HTTP
      }
      counts.churn++;
    } catch (e) {
      fail("churn", e);
    } finally {
      fresh.close();
    }
    await sleep(everyMs);
  }
}

const self = processStats();
const samples = [];
const started = Date.now();
console.log(
  `soak: ${minutes} min against ${target}, a sample every ${intervalMs / 1000} s, warm-up ${Math.round(warmupMs / 1000)} s; ` +
    `fails on any unexpected call error or, per process, growth from the first to the last third of the samples ` +
    `after warm-up (medians) of more than ${limits.heapMiB} MiB heap after GC, ${limits.externalMiB} MiB external ` +
    `(Buffers), ${limits.rssMiB} MiB RSS, ` +
    `${limits.fds} file descriptors or ${limits.lagP99Ms} ms event-loop lag p99`,
);
const loops = [
  ...Array.from({ length: 4 }, () => loop("unary", ops.unary, 2)),
  loop("server stream", ops.serverStream, 5),
  loop("client stream", ops.clientStream, 5),
  loop("bidi", ops.bidi, 5),
  loop("cancel", ops.cancel, 20),
  loop("deadline", ops.deadline, 20),
  loop("break out", ops.breakOut, 20),
  churn(250),
];

const fmt = (p) =>
  `rss ${p.rssMiB.toFixed(1).padStart(6)} MiB heap ${p.heapMiB.toFixed(1).padStart(5)}/${p.heapTotalMiB.toFixed(0)} MiB ext ${p.externalMiB.toFixed(1).padStart(4)} MiB fds ${String(p.fds).padStart(3)} ` +
  `lag p99 ${p.lagP99Ms.toFixed(0).padStart(4)} ms`;
let last = { ...counts };
let providerDied = false;
while (Date.now() - started < runMs) {
  await sleep(Math.min(intervalMs, runMs - (Date.now() - started)));
  if (childExit) {
    providerDied = true;
    break;
  }
  const t = Date.now() - started;
  let provider;
  try {
    provider = await sampleProvider();
  } catch (e) {
    fail("sample", e);
    break;
  }
  const consumerStats = self.sample();
  samples.push({ t, provider, consumer: consumerStats });
  const delta = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - last[k]]));
  last = { ...counts };
  const calls = delta.unary + delta.serverStream + delta.clientStream + delta.bidi;
  const bad = [...unexpected.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${String(Math.round(t / 1000)).padStart(5)} s${t < warmupMs ? " (warm-up)" : "          "} ` +
      `provider ${fmt(provider)} | consumer ${fmt(consumerStats)} | +${calls} calls, +${delta.churn} churns, ` +
      `+${delta.cancelled} cancelled, +${delta.deadline} deadlines, +${delta.broke} broken off, ${bad} unexpected`,
  );
}
running = false;
await Promise.all(loops);
consumer.close();
if (!childExit) {
  child.send({ type: "stop" });
  await new Promise((resolve) => child.once("exit", resolve));
}

// Verdict.
const failures = [];
if (providerDied) failures.push(`the provider exited during the run (${JSON.stringify(childExit)})`);
for (const [text, n] of unexpected) failures.push(`unexpected error x${n}: ${text}`);
const measured = samples.filter((s) => s.t >= warmupMs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const growth = {};
if (measured.length >= 3) {
  const third = Math.max(1, Math.floor(measured.length / 3));
  for (const side of ["provider", "consumer"]) {
    growth[side] = {};
    for (const metric of Object.keys(limits)) {
      const first = median(measured.slice(0, third).map((s) => s[side][metric]));
      const end = median(measured.slice(-third).map((s) => s[side][metric]));
      growth[side][metric] = end - first;
      if (end - first > limits[metric]) {
        failures.push(`${side} ${metric} grew ${first.toFixed(1)} -> ${end.toFixed(1)} (limit +${limits[metric]})`);
      }
    }
  }
} else if (!providerDied) {
  failures.push(`only ${measured.length} samples after warm-up; run longer (or a shorter --interval-seconds)`);
}
const total = counts.unary + counts.serverStream + counts.clientStream + counts.bidi;
console.log(
  `\nsoak: ${total} calls checked (${counts.unary} unary, ${counts.serverStream} server-streaming, ` +
    `${counts.clientStream} client-streaming, ${counts.bidi} bidi), ${counts.churn} connection churns, ` +
    `${counts.cancelled} cancels, ${counts.deadline} expired deadlines, ${counts.broke} streams broken off, in ` +
    `${((Date.now() - started) / 60_000).toFixed(1)} min`,
);
for (const [side, g] of Object.entries(growth)) {
  console.log(
    `soak: ${side} growth after warm-up: heap ${g.heapMiB.toFixed(2)} MiB, external ${g.externalMiB.toFixed(2)} MiB, rss ${g.rssMiB.toFixed(1)} MiB, ` +
      `fds ${g.fds}, lag p99 ${g.lagP99Ms.toFixed(0)} ms; worst lag p99 ` +
      `${Math.max(...measured.map((s) => s[side].lagP99Ms)).toFixed(0)} ms`,
  );
}
if (failures.length === 0) {
  console.log("soak: PASS");
  process.exit(0);
}
console.log(`soak: FAIL\n${failures.map((f) => `  - ${f}`).join("\n")}`);
process.exit(1);
