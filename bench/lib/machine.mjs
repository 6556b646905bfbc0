/** Description of the machine and tools a run measured on, recorded with every result. */
import os from "node:os";
import { h2loadVersion } from "./h2load.mjs";

/** `{ cpuModel, cpuCount, memoryGiB, node, platform, kernel, h2load, date, loadAvg1m }`. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    h2load: h2loadVersion(),
    date: new Date().toISOString(),
    loadAvg1m: os.loadavg()[0],
  };
}

/** One line for humans. */
export function describeMachine(m) {
  return `${m.cpuCount} x ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform} (kernel ${m.kernel}), Node ${m.node}, ${m.h2load}, ${m.date}`;
}
