/**
 * Child processes of the benchmark: every process the runner starts is tracked here and killed when the runner exits
 * — normally, on an error, or on SIGINT/SIGTERM — so no server, client or h2load outlives a run.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const live = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts a tracked child. stdout is parsed as JSON lines (non-JSON lines ignored) into `child.messages`; the last 8 KiB
 * of stderr are kept in `child.stderrTail` for error reports. `child.exited` resolves with the exit code.
 */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  live.add(child);
  child.messages = [];
  child.stdoutText = "";
  child.stderrTail = "";
  child.waiters = [];
  child.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal);
    });
    child.once("error", (err) => {
      live.delete(child);
      child.stderrTail += String(err);
      resolve(-1);
    });
  });
  child.stdout.setEncoding("utf8");
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (child.stdoutText.length < 1_000_000) child.stdoutText += `${line}\n`;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    child.messages.push(msg);
    for (const w of child.waiters.slice()) w(msg);
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    child.stderrTail = (child.stderrTail + chunk).slice(-8192);
  });
  return child;
}

/** Starts a Node script with the runner's own Node binary (same version for every contestant). */
export function startNode(script, { env = {}, nodeArgs = [], args = [] } = {}) {
  return start(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...env } });
}

/** Resolves with the first JSON message of `child` matching `predicate`; rejects on exit or after `timeoutMs`. */
export function waitFor(child, predicate, timeoutMs = 15_000) {
  const seen = child.messages.find(predicate);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      child.waiters = child.waiters.filter((w) => w !== onMessage);
      fn(value);
    };
    const onMessage = (msg) => {
      if (predicate(msg)) done(resolve, msg);
    };
    const timer = setTimeout(
      () => done(reject, new Error(`timed out after ${timeoutMs} ms; stderr: ${child.stderrTail}`)),
      timeoutMs,
    );
    child.waiters.push(onMessage);
    child.exited.then((code) => done(reject, new Error(`exited (${code}) early; stderr: ${child.stderrTail}`)));
  });
}

/** Asks a child to stop (SIGTERM), then kills it after `graceMs`; resolves once it has exited. */
export async function stop(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await child.exited;
  } finally {
    clearTimeout(timer);
  }
}
