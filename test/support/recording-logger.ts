import type { LogFields, Logger } from "@dubbo-mesh/runtime";

/** A logged event with its level. */
export type LogEntry = LogFields & { level: "info" | "warn" | "error" };

/** A logger that keeps every event, and lets a test wait for one. */
export interface RecordingLogger extends Logger {
  readonly entries: LogEntry[];
  /** Resolves with the first event (already logged or to come) named `event` that `match` accepts. */
  waitFor(event: string, match?: (entry: LogEntry) => boolean): Promise<LogEntry>;
}

/** Creates a recording logger. */
export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const waiters = new Set<{ event: string; match: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }>();
  const log = (level: LogEntry["level"]) => (fields: LogFields) => {
    const entry = { ...fields, level } as LogEntry;
    entries.push(entry);
    for (const w of waiters) {
      if (w.event === entry.event && w.match(entry)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
  };
  return {
    entries,
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    waitFor(event, match = () => true) {
      const found = entries.find((e) => e.event === event && match(e));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.add({ event, match, resolve }));
    },
  };
}
