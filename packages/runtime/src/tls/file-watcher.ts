import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";

/** Options of `watchFiles`. */
export interface WatchFilesOptions {
  /** Check anyway this often, in ms, for file systems where `fs.watch` reports nothing. Default 5000. */
  pollIntervalMs?: number;
  /** Wait this long after a change event before checking, in ms, so a writer's several files land. Default 250. */
  debounceMs?: number;
}

/** A running watch; `close` stops its watchers and timers. */
export interface FileWatch {
  close(): void;
}

/**
 * Calls `check` when any of `paths` may have changed: on an `fs.watch` event in a file's directory (a Kubernetes
 * Secret or ConfigMap volume updates by swapping a `..data` symlink, which a watch on the file itself would miss),
 * debounced, and every `pollIntervalMs` in any case. `check` decides whether anything really changed. Timers and
 * watchers do not keep the process alive.
 */
export function watchFiles(paths: readonly string[], check: () => void, options: WatchFilesOptions = {}): FileWatch {
  const debounceMs = options.debounceMs ?? 250;
  let pending: NodeJS.Timeout | undefined;
  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      check();
    }, debounceMs);
    pending.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      const w = watch(dir, { persistent: false }, soon);
      w.on("error", () => w.close()); // the directory went away: the poll still runs
      watchers.push(w);
    } catch {
      // No watch support here (or no directory yet): the poll covers it.
    }
  }
  const poll = setInterval(check, options.pollIntervalMs ?? 5000);
  poll.unref();
  return {
    close() {
      clearInterval(poll);
      if (pending) clearTimeout(pending);
      for (const w of watchers) w.close();
    },
  };
}
