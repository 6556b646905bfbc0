import { spawn } from "node:child_process";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directory of the Python peer scripts (test/peers/python/). */
export const pythonPeersDir: string = fileURLToPath(new URL("./python/", import.meta.url));

/** The Debian interpreter that has python3-grpcio (not the pyenv `python3` on PATH). */
export const PYTHON = "/usr/bin/python3";

/** Options of {@link runPython}. */
export interface RunPythonOptions {
  /** Kill the process (SIGKILL) after this many milliseconds; default 20000. */
  timeoutMs?: number;
}

/** Outcome of one Python peer run. */
export interface PythonRun {
  /** Exit code, or null if it was killed by a signal (e.g. on timeout). */
  code: number | null;
  /** Whether the timeout killed it. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON value, or undefined if it is not exactly one. */
  json: unknown;
  /** Every non-empty stdout line that parses as JSON, in order (for JSON-lines output such as health watch). */
  lines: unknown[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Runs a Python peer script with /usr/bin/python3 and collects its output. `script` is a file name in
 * test/peers/python/ (e.g. `greeter_client.py`) or an absolute path. Never rejects on a non-zero exit; the
 * process is killed if it outlives `timeoutMs`.
 */
export function runPython(script: string, args: readonly string[], options: RunPythonOptions = {}): Promise<PythonRun> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const path = isAbsolute(script) ? script : join(pythonPeersDir, script);
  return new Promise<PythonRun>((resolve, reject) => {
    const child = spawn(PYTHON, [path, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(parseJson)
        .filter((value) => value !== undefined);
      resolve({ code, timedOut, stdout, stderr, json: parseJson(stdout), lines });
    });
  });
}

/** A running Python grpcio greeter server (test/peers/python/greeter_server.py). */
export interface PythonGreeter {
  /** `127.0.0.1:<port>`. */
  target: string;
  /** Stops the server (closes its stdin, SIGKILL if it has not exited within 2 s) and waits for it to exit. */
  close(): Promise<void>;
}

/** Starts the Python grpcio greeter server and waits until it serves (its `{"port": N}` line). */
export function startPythonGreeter(timeoutMs = 10_000): Promise<PythonGreeter> {
  const child = spawn(PYTHON, [join(pythonPeersDir, "greeter_server.py")], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<PythonGreeter>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`greeter_server.py did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = stdout.split("\n").find((l) => l.includes('"port"'));
      const port = (parseJson(line ?? "") as { port?: number } | undefined)?.port;
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ target: `127.0.0.1:${port}`, close });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`greeter_server.py exited (${code}) before serving: ${stderr}`));
    });
  });
}
