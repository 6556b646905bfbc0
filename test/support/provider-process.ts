import { type EventProcess, spawnNode } from "./processes.js";

/** The provider program of the shutdown and balancing tests (built by `tsc -b` from test/fixtures/src). */
export const CONTRACT_PROVIDER = "test/fixtures/dist/contract-provider.js";

/** Options of `startProviderProcess`. */
export interface ProviderProcessOptions {
  /** `dubbo.protocol.port`. */
  port: number;
  /** `dubbo.application.qos-port`. */
  qosPort: number;
  /** `dubbo.application.shutdown-delay` in ms: how long to stay up, NOT_SERVING, after SIGTERM before GOAWAY. */
  shutdownDelayMs?: number;
  /** `dubbo.service.shutdown.wait` in ms: the cap on draining in-flight calls. */
  shutdownWaitMs?: number;
  /** Exit at once on SIGTERM, as a provider without graceful shutdown would (the negative control). */
  exitAtOnce?: boolean;
  /** A name for this process in assertions and failure messages. */
  tag: string;
}

/** A provider process started with `startProviderProcess`. */
export interface ProviderProcess {
  readonly tag: string;
  readonly port: number;
  readonly qosPort: number;
  readonly process: EventProcess;
  /** When it was spawned and when it reported `application-started` (Date.now()). */
  readonly spawnedAt: number;
  readonly startedAt: number;
  /** Everything it printed on stderr. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code (or signal name) once it has exited. */
  terminate(): Promise<number | string>;
  /** SIGKILL if still running. */
  kill(): void;
  /** `GET http://127.0.0.1:<qosPort>/<path>` -> status and body. */
  qos(path: string): Promise<{ status: number; body: string }>;
  /** Whether it has exited. */
  exited(): boolean;
}

/** Spawns the contract provider on 127.0.0.1 with mesh-mode config and waits for `application-started`. */
export async function startProviderProcess(options: ProviderProcessOptions): Promise<ProviderProcess> {
  const env: Record<string, string> = {
    DUBBO_APPLICATION_NAME: `provider-${options.tag}`,
    DUBBO_REGISTRY_ADDRESS: "N/A",
    DUBBO_PROTOCOL_HOST: "127.0.0.1",
    DUBBO_PROTOCOL_PORT: String(options.port),
    DUBBO_APPLICATION_QOS_PORT: String(options.qosPort),
  };
  if (options.shutdownDelayMs !== undefined) env.DUBBO_APPLICATION_SHUTDOWN_DELAY = String(options.shutdownDelayMs);
  if (options.shutdownWaitMs !== undefined) env.DUBBO_SERVICE_SHUTDOWN_WAIT = String(options.shutdownWaitMs);
  if (options.exitAtOnce) env.EXIT_AT_ONCE_ON_SIGTERM = "1";
  const spawnedAt = Date.now();
  const proc = spawnNode(CONTRACT_PROVIDER, env);
  let stderr = "";
  proc.child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  let hasExited = false;
  const exit = new Promise<void>((resolve) =>
    proc.child.once("exit", () => {
      hasExited = true;
      resolve();
    }),
  );
  try {
    const started = proc.waitFor((e) => e.event === "application-started", 15_000);
    started.catch(() => {}); // when it exits first, this rejects later: nobody waits for it then
    await Promise.race([started, exit]);
  } catch (e) {
    proc.child.kill("SIGKILL");
    throw new Error(`provider ${options.tag} did not start: ${String(e)}\nstderr: ${stderr}`);
  }
  if (hasExited || !proc.events.some((e) => e.event === "application-started")) {
    throw new Error(`provider ${options.tag} failed to start: ${JSON.stringify(proc.events)}\nstderr: ${stderr}`);
  }
  return {
    tag: options.tag,
    port: options.port,
    qosPort: options.qosPort,
    process: proc,
    spawnedAt,
    startedAt: Date.now(),
    stderr: () => stderr,
    terminate: () => proc.stop("SIGTERM"),
    kill() {
      if (!hasExited) proc.child.kill("SIGKILL");
    },
    async qos(path) {
      const res = await fetch(`http://127.0.0.1:${options.qosPort}/${path.replace(/^\//, "")}`);
      return { status: res.status, body: await res.text() };
    },
    exited: () => hasExited,
  };
}
