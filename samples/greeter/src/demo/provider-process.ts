import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The greeter sample's provider program (dist/provider.js, beside this folder). */
const providerScript = fileURLToPath(new URL("../provider.js", import.meta.url));

/** One greeter provider of the demo: its own process, protocol port and QOS port. */
export interface DemoProvider {
  readonly name: string;
  readonly port: number;
  readonly qosPort: number;
  /** How many processes have served this slot (a restart starts a new generation). */
  generation: number;
  child: ChildProcess | undefined;
}

/** Starts (or restarts) a provider process for a slot and resolves once its application has started. */
export async function startProvider(p: DemoProvider, shutdownDelayMs: number): Promise<void> {
  const child = spawn(process.execPath, [providerScript], {
    env: {
      ...process.env,
      DUBBO_PROTOCOL_HOST: "127.0.0.1",
      DUBBO_PROTOCOL_PORT: String(p.port),
      DUBBO_APPLICATION_QOS_PORT: String(p.qosPort),
      DUBBO_APPLICATION_QOS_HOST: "127.0.0.1",
      DUBBO_APPLICATION_SHUTDOWN_DELAY: String(shutdownDelayMs),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  p.child = child;
  p.generation++;
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${p.name} did not start within 10 s: ${output.slice(-500)}`)),
      10_000,
    );
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      output += d;
    });
    child.stdout?.on("data", (d: string) => {
      output += d;
      if (output.includes('"application-started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${p.name} exited with ${code} while starting: ${output.slice(-500)}`));
    });
  });
  child.stdout?.removeAllListeners("data");
  child.stdout?.resume();
}

/** Sends SIGTERM and resolves with the exit code once the provider has drained and exited. */
export async function stopProvider(p: DemoProvider): Promise<number | null> {
  const child = p.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  p.child = undefined;
  return code;
}

/** Reads a provider's readiness from its QOS port: "ready", "not ready" or "down". */
export async function probeState(p: DemoProvider): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${p.qosPort}/ready`, { signal: AbortSignal.timeout(300) });
    return res.status === 200 ? "ready" : "not ready";
  } catch {
    return "down";
  }
}
