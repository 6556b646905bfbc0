/** Memory of a process from /proc/<pid>/status: resident set now (VmRSS) and its peak (VmHWM), in KiB. */
import { readFileSync } from "node:fs";

/** `{ rssKiB, hwmKiB }` of a live process. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}
