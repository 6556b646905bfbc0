/**
 * h2load (nghttp2-client) as the load generator of the server benchmarks: installs it when missing, runs it against
 * a gRPC method over HTTP/2 (cleartext with prior knowledge, or TLS with ALPN h2 for an https:// URL) with a request
 * body file, and parses its summary plus the per-request `--log-file` into req/s, success counts and latency
 * percentiles.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { start } from "./children.mjs";
import { percentile } from "./stats.mjs";

/** Makes sure `h2load` is on PATH, installing Debian's nghttp2-client with apt-get if it is not. */
export function ensureH2load() {
  const has = () => spawnSync("sh", ["-c", "command -v h2load"], { stdio: "ignore" }).status === 0;
  if (has()) return;
  console.error("h2load not found: installing nghttp2-client with apt-get ...");
  let r = spawnSync("apt-get", ["install", "-y", "nghttp2-client"], { stdio: "inherit" });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "inherit" });
    r = spawnSync("apt-get", ["install", "-y", "nghttp2-client"], { stdio: "inherit" });
  }
  if (r.status !== 0 || !has()) throw new Error("could not install h2load (apt-get install -y nghttp2-client)");
}

/** h2load's version line, e.g. "h2load nghttp2/1.52.0". */
export function h2loadVersion() {
  return spawnSync("h2load", ["--version"], { encoding: "utf8" }).stdout.trim();
}

function num(re, text) {
  const m = re.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** h2load's "finished in" time in ms (from its first connect to its last reply; its start-up is not in it). */
function finishedMs(text) {
  const m = /finished in ([\d.]+)(m?s),/.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

/** Parses h2load's text summary. */
export function parseSummary(text) {
  return {
    reqPerSec: num(/finished in [\d.]+m?s, ([\d.]+) req\/s/, text),
    finishedMs: finishedMs(text),
    total: num(/requests: (\d+) total/, text),
    done: num(/(\d+) done/, text),
    succeeded: num(/(\d+) succeeded/, text),
    failed: num(/(\d+) failed/, text),
    errored: num(/(\d+) errored/, text),
    timeout: num(/(\d+) timeout/, text),
    status2xx: num(/status codes: (\d+) 2xx/, text),
    dataBytes: num(/traffic: .* \((\d+)\) data/, text),
  };
}

/** Latency percentiles (ms) from an h2load --log-file (tab-separated: start µs, status, duration µs). */
export function parseLogLatency(path) {
  const lines = readFileSync(path, "utf8").split("\n");
  const us = new Float64Array(lines.length);
  let n = 0;
  for (const line of lines) {
    const tab = line.lastIndexOf("\t");
    if (tab < 0) continue;
    const v = Number(line.slice(tab + 1));
    if (Number.isFinite(v)) us[n++] = v;
  }
  const sorted = us.subarray(0, n).sort();
  return {
    samples: n,
    p50Ms: percentile(sorted, 50) / 1000,
    p99Ms: percentile(sorted, 99) / 1000,
    maxMs: sorted[n - 1] / 1000,
  };
}

/** Seconds past its window after which an h2load run counts as stalled (a run of new connections: after it started). */
const STALL_S = 30;
const CONNECTIONS_STALL_S = 15;

/**
 * Runs h2load with `args` to a zero exit and returns its child (stdout parsed). h2load 1.52 over TLS now and then
 * stalls while its clients connect (seen here about once in 8-15 runs of `-c16` on a busy machine, on the grpc-js and
 * the dubbo-mesh server alike: a few connections finish their handshake, the rest never, and h2load waits forever):
 * a run that has not exited `limitS` seconds after it started is killed and run once more.
 */
async function runUnstalled(args, limitS) {
  for (let attempt = 1; ; attempt++) {
    const child = start("h2load", args);
    let stalled = false;
    const timer = setTimeout(() => {
      stalled = true;
      child.kill("SIGKILL");
    }, limitS * 1000);
    const code = await child.exited;
    clearTimeout(timer);
    if (stalled && attempt === 1) {
      process.stderr.write(`h2load stalled (no exit after ${limitS} s); running it again\n`);
      continue;
    }
    if (stalled) throw new Error(`h2load stalled twice (no exit after ${limitS} s): ${child.stdoutText.slice(-500)}`);
    if (code !== 0) throw new Error(`h2load exited ${code}: ${child.stderrTail}\n${child.stdoutText}`);
    return child;
  }
}

/**
 * Loads `url` for `durationS` seconds after `warmupS` seconds of warm-up (not measured; both may be fractional) with
 * `clients` connections of `streams` concurrent streams each, POSTing `dataFile` as a gRPC call on one h2load thread — or, with `h1`, as an
 * HTTP/1.1 JSON request (one request at a time per connection when `streams` is 1).
 */
export async function runH2load({ url, dataFile, clients, streams, durationS, warmupS, logFile, h1 = false }) {
  const headers = h1 ? ["content-type: application/json"] : ["content-type: application/grpc", "te: trailers"];
  const args = [
    ...(h1 ? ["--h1"] : []),
    `-D${Math.round(durationS * 1000)}ms`,
    `--warm-up-time=${Math.round(warmupS * 1000)}ms`,
    `-c${clients}`,
    `-m${streams}`,
    "-t1",
    `-d${dataFile}`,
    ...headers.flatMap((h) => ["-H", h]),
    `--log-file=${logFile}`,
    url,
  ];
  const child = await runUnstalled(args, durationS + warmupS + STALL_S);
  const summary = parseSummary(child.stdoutText);
  const latency = parseLogLatency(logFile);
  rmSync(logFile, { force: true });
  return { ...summary, ...latency };
}

/**
 * One h2load run of `connections` new connections, all opened at once, each making one gRPC call (POSTing
 * `dataFile`) and closing: its parsed summary (`finishedMs`, `succeeded`, `dataBytes`, ...). Over https:// every
 * connection is a full TLS handshake (h2load resumes no sessions).
 */
export async function runH2loadConnections({ url, dataFile, connections }) {
  const args = [`-c${connections}`, `-n${connections}`, "-m1", "-t1", `-d${dataFile}`];
  const headers = ["content-type: application/grpc", "te: trailers"].flatMap((h) => ["-H", h]);
  const child = await runUnstalled([...args, ...headers, url], CONNECTIONS_STALL_S);
  return parseSummary(child.stdoutText);
}
