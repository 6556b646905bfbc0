import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A child process whose stdout is read line by line as JSON events. */
export interface EventProcess {
  readonly child: ChildProcess;
  /** Every JSON line printed so far. */
  readonly events: Record<string, unknown>[];
  /** Resolves with the first event matching, or rejects after `timeoutMs`. */
  waitFor(predicate: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** Resolves with the exit code (or signal name) when the process exits by itself. */
  readonly exited: Promise<number | string>;
}

/** Spawns `node <script>` from the repo root with extra env; stdout JSON lines are collected as events. */
export function spawnNode(script: string, env: Record<string, string> = {}, args: string[] = []): EventProcess {
  return spawnEvents(process.execPath, [script, ...args], env);
}

/** Spawns `command args` from the repo root with extra env; stdout JSON lines are collected as events. */
export function spawnEvents(command: string, args: string[], env: Record<string, string> = {}): EventProcess {
  const script = args[0] ?? command;
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffer = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        events.push({ event: "non-json", line });
      }
      nl = buffer.indexOf("\n");
    }
    for (const w of waiters) w();
  });
  const exited = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    events,
    exited,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event from ${script} within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
        exited.then(() => check());
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
