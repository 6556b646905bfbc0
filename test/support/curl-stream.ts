import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/** A curl process whose output is read as it arrives (`curl -N`), for Server-Sent Events. */
export interface CurlStream {
  /** Everything curl printed so far: the response header block (`-D -`), then the body. */
  readonly output: () => string;
  /** Resolves once the output contains `text` (rejects if curl exits first or after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with curl's exit code once it exits (the server ended the response). */
  exited(timeoutMs?: number): Promise<number>;
  /** Stops curl (the client going away). */
  kill(): void;
  readonly child: ChildProcessWithoutNullStreams;
}

/**
 * Starts `curl -sS -N` (no output buffering) with the given method, headers and body, HTTP/1.1 unless `--http2...`
 * is among `extraArgs`. Every wait is bounded.
 */
export function curlStream(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; extraArgs?: string[] } = {},
): CurlStream {
  const args = ["-sS", "-N", "-D", "-", "-H", "Expect:", "--max-time", "20"];
  if (!options.extraArgs?.some((a) => a.startsWith("--http2"))) args.push("--http1.1");
  args.push(...(options.extraArgs ?? []), "-X", options.method ?? "POST");
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}: ${value}`);
  if (options.body !== undefined) args.push("--data-binary", options.body);
  args.push(url);
  const child = spawn("curl", args, { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end();
  let out = "";
  let code: number | null = null;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString("utf8");
    wake();
  });
  child.on("close", (c) => {
    code = c ?? -1;
    wake();
  });
  const until = (check: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const test = () => {
        if (check()) {
          done();
          resolve();
        } else if (code !== null) {
          done();
          reject(new Error(`curl exited (${code}) before ${what}; output so far:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; output so far:\n${out}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(test);
      };
      waiters.add(test);
      test();
    });
  return {
    output: () => out,
    waitFor: (text, timeoutMs = 10_000) =>
      until(() => (typeof text === "string" ? out.includes(text) : text.test(out)), `"${String(text)}"`, timeoutMs),
    exited: async (timeoutMs = 10_000) => {
      if (code === null) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`curl still running after ${timeoutMs} ms:\n${out}`)),
            timeoutMs,
          );
          child.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return code ?? -1;
    },
    kill: () => child.kill("SIGKILL"),
    child,
  };
}

/** The data of each `data:` event in an event-stream body, with the name of its event ("message" if none). */
export function sseEvents(body: string): { event: string; data: string }[] {
  const start = body.indexOf("\r\n\r\n");
  const text = start === -1 ? body : body.slice(start + 4);
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      return { event, data: data.join("\n") };
    });
}
