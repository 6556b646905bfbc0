/**
 * How busy the machine is with work that is not the benchmark's, from /proc: the runner shares a 2-core machine, so
 * every measurement records the share of the machine's CPU used by other processes during it ("foreign CPU"), and a
 * round can wait for the machine to be quiet before it starts.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

function machineTicks() {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { total, busy: total - idle };
}

/** utime+stime of a process, plus cutime+cstime (its reaped children) when `withChildren`. */
function processTicks(pid, withChildren) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // fields after "(comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return f[11] + f[12] + (withChildren ? f[13] + f[14] : 0);
  } catch {
    return 0;
  }
}

/**
 * Starts metering: `stop()` returns the share (0..1) of the machine's CPU capacity used by processes other than this
 * runner, its reaped children (h2load, clients) and the live `pids` given (the server), over the metered time. The
 * `pids` must still be alive when `stop()` is called.
 */
export function meterForeignCpu(pids = []) {
  const own = () => processTicks(process.pid, true) + pids.reduce((sum, pid) => sum + processTicks(pid, false), 0);
  const m0 = machineTicks();
  const o0 = own();
  return () => {
    const m1 = machineTicks();
    const o1 = own();
    const total = m1.total - m0.total;
    if (total <= 0) return 0;
    return Math.max(0, m1.busy - m0.busy - (o1 - o0)) / total;
  };
}

/**
 * CPU seconds used so far by this runner's reaped children (cutime + cstime): the difference across a child's life
 * is that child's CPU, when no other child is reaped meanwhile. Assumes the usual 100 clock ticks per second.
 */
export function childCpuSeconds() {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  return (f[13] + f[14]) / 100;
}

/** CPU seconds (user + system) a live process has used so far (clock ticks: 10 ms resolution). */
export function processCpuSeconds(pid) {
  return processTicks(pid, false) / 100;
}

/** Share (0..1) of the machine's CPU busy over the next `ms`. */
export async function busyShare(ms = 1000) {
  const a = machineTicks();
  await sleep(ms);
  const b = machineTicks();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** Waits (at most `maxWaitS`) until the machine is less than `threshold` busy; returns the last busy share seen. */
export async function waitQuiet({ maxWaitS, threshold = 0.2, onWait = () => {} }) {
  const deadline = performance.now() + maxWaitS * 1000;
  let share = await busyShare();
  for (let i = 0; i < 1000 && share >= threshold && performance.now() < deadline; i++) {
    onWait(share);
    await sleep(2000);
    share = await busyShare();
  }
  return share;
}
