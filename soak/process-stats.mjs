// What a soak sample reads of one process: memory (heap after a full GC when --expose-gc is on), open file
// descriptors and event-loop lag since the previous sample.
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

/** Starts measuring this process; `sample()` returns the figures and starts the next lag window. */
export function processStats() {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  return {
    sample() {
      globalThis.gc?.();
      const mem = process.memoryUsage();
      const figures = {
        rssMiB: mem.rss / 2 ** 20,
        heapMiB: mem.heapUsed / 2 ** 20,
        heapTotalMiB: mem.heapTotal / 2 ** 20,
        externalMiB: mem.external / 2 ** 20,
        fds: readdirSync("/proc/self/fd").length,
        lagP99Ms: lag.percentile(99) / 1e6,
        lagMaxMs: lag.max / 1e6,
      };
      lag.reset();
      return figures;
    },
  };
}
