// Access control against a genuinely foreign peer: a client in its own network namespace, reaching the QOS
// port (bound on 0.0.0.0) through a veth pair, so the server sees a non-loopback source address.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createLifecycle, type Lifecycle } from "@dubbo-mesh/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createQosServer, type QosLogFields, type QosLogger, type QosOptions } from "./index.js";

type LogEntry = QosLogFields & { level: string };

/** A QosLogger that records every event with its level. */
function recordingLogger(logs: LogEntry[]): QosLogger {
  return {
    info: (fields) => logs.push({ level: "info", ...fields }),
    warn: (fields) => logs.push({ level: "warn", ...fields }),
    error: (fields) => logs.push({ level: "error", ...fields }),
  };
}

const run = promisify(execFile);
const prefix = "dmq";
const namespace = `${prefix}${process.pid}`;
const hostVeth = `${namespace}h`;
const nsVeth = `${namespace}n`;

function netnsUnavailableReason(): string | undefined {
  if (process.platform !== "linux") {
    return "not Linux";
  }
  if (process.getuid?.() !== 0) {
    return "not running as root";
  }
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return undefined;
  } catch (error) {
    return `\`ip netns list\` failed: ${(error as Error).message}`;
  }
}

const unavailable = netnsUnavailableReason();
if (unavailable !== undefined) {
  console.warn(`SKIPPING foreign-address QOS tests: network namespaces unavailable (${unavailable})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes namespaces and veths left by earlier runs whose process is gone; live runs are left alone. */
function removeStale(): void {
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const match of namespaces.matchAll(new RegExp(`^${prefix}(\\d+)\\b`, "gm"))) {
    if (!isAlive(Number(match[1]))) {
      execFileSync("ip", ["netns", "delete", `${prefix}${match[1]}`], { stdio: "ignore" });
    }
  }
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  for (const match of links.matchAll(new RegExp(`^\\d+: (${prefix}(\\d+)h)[@:]`, "gm"))) {
    if (!isAlive(Number(match[2])) && match[1] !== undefined) {
      execFileSync("ip", ["link", "delete", match[1]], { stdio: "ignore" });
    }
  }
}

/** Picks a free /30 in 10.213.0.0/16, starting from one derived from the pid. */
function pickSubnet(): { hostIp: string; nsIp: string } {
  const used = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  for (let attempt = 0; attempt < 16384; attempt++) {
    const index = (process.pid + attempt) % 16384;
    const base = `10.213.${index >> 6}.`;
    const low = (index % 64) * 4;
    if (!used.includes(`${base}${low + 1}/`) && !used.includes(`${base}${low + 2}/`)) {
      return { hostIp: `${base}${low + 1}`, nsIp: `${base}${low + 2}` };
    }
  }
  throw new Error("no free /30 in 10.213.0.0/16");
}

function cleanUp(): void {
  execFileSync("ip", ["netns", "delete", namespace], { stdio: "ignore" });
  try {
    execFileSync("ip", ["link", "delete", hostVeth], { stdio: "ignore" });
  } catch {
    // Deleting the namespace already removed the pair.
  }
}

describe.skipIf(unavailable !== undefined)("QOS access from a foreign address (network namespace)", () => {
  let hostIp = "";
  let nsIp = "";
  let lifecycle: Lifecycle;
  let logs: LogEntry[];
  let port = 0;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(() => {
    removeStale();
    ({ hostIp, nsIp } = pickSubnet());
    const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
    ip("netns", "add", namespace);
    try {
      ip("link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth);
      ip("link", "set", nsVeth, "netns", namespace);
      ip("addr", "add", `${hostIp}/30`, "dev", hostVeth);
      ip("link", "set", hostVeth, "up");
      ip("netns", "exec", namespace, "ip", "addr", "add", `${nsIp}/30`, "dev", nsVeth);
      ip("netns", "exec", namespace, "ip", "link", "set", nsVeth, "up");
      ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up");
    } catch (error) {
      cleanUp();
      throw error;
    }
  });

  afterAll(() => {
    if (unavailable === undefined) {
      cleanUp();
    }
  });

  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  async function startQos(options: Partial<QosOptions>): Promise<void> {
    lifecycle = createLifecycle();
    lifecycle.addService("greet.v1.GreeterService");
    logs = [];
    const server = createQosServer({
      lifecycle,
      port: 0,
      host: "0.0.0.0",
      protocolDetectMs: 100,
      logger: recordingLogger(logs),
      getConfig: () => [{ key: "dubbo.application.name", value: "greeter", source: "code" }],
      ...options,
    });
    ({ port } = await server.start());
    stop = () => server.stop();
  }

  /** curl from inside the namespace; resolves `<status> <body>`, or `refused` when no HTTP answer came. */
  async function foreignGet(path: string): Promise<string> {
    const url = `http://${hostIp}:${port}${path}`;
    const { stdout } = await run(
      "ip",
      ["netns", "exec", namespace, "curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}", url],
      { timeout: 10_000 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const newline = stdout.lastIndexOf("\n");
    const status = stdout.slice(newline + 1);
    return status === "000" || status === "" ? "refused" : `${status} ${stdout.slice(0, newline)}`;
  }

  /** A telnet session from inside the namespace: waits for each prompt, sends the next line, prints it all. */
  async function foreignTelnet(...lines: string[]): Promise<string> {
    const script = `
      const [host, port, ...lines] = process.argv.slice(1);
      const socket = require("node:net").connect(Number(port), host);
      let out = "";
      socket.on("data", (d) => { out += d; if (out.endsWith("dubbo>") && lines.length > 0) socket.write(lines.shift() + "\\r\\n"); });
      socket.on("close", () => process.stdout.write(out));
      socket.on("error", (e) => { out += "ERROR " + e.code; });
      setTimeout(() => socket.destroy(), 5000).unref();`;
    const args = ["netns", "exec", namespace, process.execPath, "-e", script, hostIp, String(port), ...lines];
    const { stdout } = await run("ip", args, { timeout: 10_000 });
    return stdout;
  }

  async function loopbackGet(path: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return `${response.status} ${await response.text()}`;
  }

  it("refuses a foreign peer by default, with 403 over HTTP and a refusal line over telnet", async () => {
    await startQos({});
    lifecycle.transition("started");
    expect(await foreignGet("/ready")).toBe(
      "403 Foreign IP not permitted. Add it to dubbo.application.qos-accept-foreign-ip-whitelist.\n",
    );
    expect(await foreignGet("/live")).toMatch(/^403 /);
    expect(await foreignTelnet("ready")).toBe(
      "Foreign IP not permitted. Add it to dubbo.application.qos-accept-foreign-ip-whitelist.\r\n",
    );
    expect(logs).toContainEqual(expect.objectContaining({ event: "qos.refused", peer: nsIp, transport: "http" }));
    expect(logs).toContainEqual(expect.objectContaining({ event: "qos.refused", peer: nsIp, transport: "telnet" }));
    // The same server still serves loopback fully.
    expect(await loopbackGet("/ready")).toBe("200 true");
    expect(await loopbackGet("/getConfig")).toBe("200 dubbo.application.name = greeter (code)");
  });

  it("with acceptForeignIp=true, lets a foreign peer run only the public probes", async () => {
    await startQos({ acceptForeignIp: true });
    expect(await foreignGet("/ready")).toBe("503 false");
    expect(await foreignGet("/startup")).toBe("503 false");
    expect(await foreignGet("/live")).toBe("200 true");
    lifecycle.transition("started");
    expect(await foreignGet("/ready")).toBe("200 true");
    expect(await foreignGet("/offline")).toBe("403 Permission denied: offline needs PROTECTED access");
    expect(lifecycle.isOnline()).toBe(true);
    expect(await foreignGet("/ls")).toMatch(/^403 Permission denied/);
    expect(await foreignGet("/help")).toMatch(/^403 /);
    expect(await foreignGet("/getConfig")).toMatch(/^403 /);
    expect(await foreignGet("/nope")).toMatch(/^404 /);
    expect(logs).toContainEqual(
      expect.objectContaining({ event: "qos.denied", peer: nsIp, command: "offline", granted: "PUBLIC" }),
    );
    const transcript = await foreignTelnet("ready", "ls", "quit");
    expect(transcript).toContain("dubbo>true\r\ndubbo>Permission denied: ls needs PROTECTED access\r\ndubbo>BYE!\r\n");
  });

  it("lets anonymousAllowCommands through and honours a raised anonymous level", async () => {
    await startQos({ acceptForeignIp: true, anonymousAllowCommands: "ls, version" });
    lifecycle.transition("started");
    expect(await foreignGet("/ls")).toMatch(/^200 Application: started, online/);
    expect(await foreignGet("/ps")).toMatch(/^403 /);
    await stop?.();
    await startQos({ acceptForeignIp: true, anonymousLevel: "PROTECTED" });
    expect(await foreignGet("/ps")).toMatch(/^200 protocol/);
    expect(await foreignGet("/getConfig")).toMatch(/^403 /);
  });

  it("gives a whitelisted peer PROTECTED access, even with acceptForeignIp=false", async () => {
    await startQos({ acceptForeignIpWhitelist: [`${hostIp}/30`] });
    lifecycle.transition("started");
    expect(await foreignGet("/ls")).toMatch(/^200 Application: started, online\nAs Provider side:/);
    expect(await foreignGet("/getConfig")).toBe("403 Permission denied: getConfig needs PRIVATE access");
    expect(await foreignGet("/offline")).toBe("200 OK");
    expect(await foreignGet("/ready")).toBe("503 false");
    expect(await foreignGet("/online")).toBe("200 OK");
    expect(await foreignGet("/ready")).toBe("200 true");
    expect(await foreignTelnet("getConfig", "version", "quit")).toMatch(
      /Permission denied: getConfig needs PRIVATE access\r\ndubbo>dubbo-mesh \S+\r\nnode v[\d.]+\r\ndubbo>BYE!\r\n$/,
    );
  });
});
