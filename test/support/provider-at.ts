import { type EventProcess, spawnNode } from "./processes.js";
import { CONTRACT_PROVIDER } from "./provider-process.js";

/** A contract provider process listening on one loopback address, as one pod behind a headless Service. */
export interface ProviderAt {
  /** `ip:port`, which its greetings name after `|` (`hello, x|127.0.0.3:50052`). */
  readonly address: string;
  readonly process: EventProcess;
  /** `GET http://127.0.0.1:<qos port>/<command>` (`offline`, `online`) -> status and body. */
  qos(command: string): Promise<{ status: number; body: string }>;
  /** SIGKILL: the process dies with its connections, no drain. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), or SIGKILL if it is still running after 5 s. */
  stop(): Promise<void>;
}

/**
 * Spawns `test/fixtures/dist/contract-provider.js` on `ip:port` (`DUBBO_PROTOCOL_HOST`/`_PORT`) with its QOS port on
 * `qosPort`, in mesh mode (registry N/A), and waits for `application-started`.
 */
export async function startProviderAt(ip: string, port: number, qosPort: number): Promise<ProviderAt> {
  const proc = spawnNode(CONTRACT_PROVIDER, {
    DUBBO_APPLICATION_NAME: "greeter-provider",
    DUBBO_REGISTRY_ADDRESS: "N/A",
    DUBBO_PROTOCOL_HOST: ip,
    DUBBO_PROTOCOL_PORT: String(port),
    DUBBO_APPLICATION_QOS_PORT: String(qosPort),
    DUBBO_APPLICATION_SHUTDOWN_DELAY: "0",
  });
  let stderr = "";
  proc.child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  try {
    await proc.waitFor((e) => e.event === "application-started", 15_000);
  } catch (e) {
    proc.child.kill("SIGKILL");
    throw new Error(`provider at ${ip}:${port} did not start: ${String(e)}\nstderr: ${stderr}`);
  }
  return {
    address: `${ip}:${port}`,
    process: proc,
    async qos(command) {
      const res = await fetch(`http://127.0.0.1:${qosPort}/${command}`);
      return { status: res.status, body: await res.text() };
    },
    async kill() {
      await proc.stop("SIGKILL");
    },
    async stop() {
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), 5000);
      await proc.stop("SIGTERM");
      clearTimeout(timer);
    },
  };
}
