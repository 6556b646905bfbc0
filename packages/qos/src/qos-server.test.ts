import { connect } from "node:net";
import { createDubboMetrics, createLifecycle, type Lifecycle, recordStart } from "@dubbo-mesh/runtime";
import { afterEach, describe, expect, it } from "vitest";
import {
  createQosServer,
  type QosLifecycle,
  type QosLogFields,
  type QosLogger,
  type QosMetrics,
  type QosOptions,
} from "./index.js";

type LogEntry = QosLogFields & { level: string };

/** A QosLogger that records every event with its level. */
function recordingLogger(logs: LogEntry[]): QosLogger {
  return {
    info: (fields) => logs.push({ level: "info", ...fields }),
    warn: (fields) => logs.push({ level: "warn", ...fields }),
    error: (fields) => logs.push({ level: "error", ...fields }),
  };
}

const greeter = "greet.v1.GreeterService";

// The runtime classes satisfy the qos interfaces structurally.
const _lifecycleFits: QosLifecycle = createLifecycle();
const _metricsFit: QosMetrics = createDubboMetrics({ processMetrics: false });

interface Started {
  lifecycle: Lifecycle;
  port: number;
  logs: LogEntry[];
  get(path: string, init?: RequestInit): Promise<{ status: number; body: string; type: string | null }>;
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function startQos(overrides: Partial<QosOptions> = {}): Promise<Started> {
  const lifecycle = createLifecycle();
  lifecycle.addService(greeter);
  const metrics = createDubboMetrics({ application: { name: "greeter-provider" }, hostname: "h", ip: "10.0.0.7" });
  recordStart(metrics.provider, greeter, "Greet")("OK");
  const logs: LogEntry[] = [];
  const server = createQosServer({
    lifecycle,
    metrics,
    port: 0,
    host: "127.0.0.1",
    protocolDetectMs: 100,
    logger: recordingLogger(logs),
    getConfig: () => [
      { key: "dubbo.application.name", value: "greeter-provider", source: "code" },
      { key: "dubbo.protocol.port", value: "50052", source: "default" },
    ],
    listPorts: () => [{ protocol: "tri", port: 50052 }],
    listReferences: () => [{ service: "greet.v1.OtherService", address: "other.default.svc.cluster.local:50052" }],
    version: "9.9.9",
    ...overrides,
  });
  const { port } = await server.start();
  stops.push(() => server.stop());
  return {
    lifecycle,
    port,
    logs,
    async get(path, init) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
      return { status: response.status, body: await response.text(), type: response.headers.get("content-type") };
    },
  };
}

describe("QOS over HTTP", () => {
  it("probes follow the lifecycle", async () => {
    const qos = await startQos();
    const probe = async (path: string) => {
      const { status, body } = await qos.get(path);
      return `${status} ${body}`;
    };
    expect(await probe("/ready")).toBe("503 false");
    expect(await probe("/startup")).toBe("503 false");
    expect(await probe("/live")).toBe("200 true");
    qos.lifecycle.transition("started");
    expect(await probe("/ready")).toBe("200 true");
    expect(await probe("/startup")).toBe("200 true");
    expect(await probe("/offline")).toBe("200 OK");
    expect(await probe("/ready")).toBe("503 false");
    expect(qos.lifecycle.isServing()).toBe(false);
    expect(await probe("/online")).toBe("200 OK");
    expect(await probe("/ready")).toBe("200 true");
    qos.lifecycle.addCheck("liveness", "deadlock", () => false);
    expect(await probe("/live")).toBe("503 false");
    qos.lifecycle.transition("stopping");
    expect(await probe("/ready")).toBe("503 false");
    expect(await probe("/startup")).toBe("200 true");
    expect(qos.logs).toContainEqual(
      expect.objectContaining({ event: "qos.command", command: "live", failed: ["deadlock"] }),
    );
  });

  it("answers text/plain and closes the connection", async () => {
    const qos = await startQos();
    const response = await fetch(`http://127.0.0.1:${qos.port}/version`);
    expect(response.headers.get("connection")).toBe("close");
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe(`dubbo-mesh 9.9.9\nnode ${process.version}`);
  });

  it("takes a service argument as path, query or form", async () => {
    const qos = await startQos();
    qos.lifecycle.transition("started");
    expect((await qos.get(`/offline/${greeter}`)).body).toBe("OK");
    expect(qos.lifecycle.isServing(greeter)).toBe(false);
    expect((await qos.get(`/online?service=${greeter}`)).body).toBe("OK");
    expect(qos.lifecycle.isServing(greeter)).toBe(true);
    const form = { method: "POST", body: new URLSearchParams({ service: greeter }) };
    expect((await qos.get("/offlineInterface", form)).body).toBe("OK");
    expect(qos.lifecycle.isServing(greeter)).toBe(false);
    expect(qos.lifecycle.isServing()).toBe(true);
    expect((await qos.get("/onlineInterface")).body).toBe("OK");
    expect(qos.lifecycle.isServing(greeter)).toBe(true);
    expect(await qos.get("/offline/greet.v1.Nope")).toMatchObject({
      status: 400,
      body: "No such service: greet.v1.Nope",
    });
  });

  it("online/offline aliases act on the app flag", async () => {
    const qos = await startQos();
    qos.lifecycle.transition("started");
    await qos.get(`/offline/${greeter}`);
    await qos.get("/offlineApp");
    expect(qos.lifecycle.isOnline()).toBe(false);
    await qos.get("/onlineApp");
    expect(qos.lifecycle.isOnline()).toBe(true);
    expect(qos.lifecycle.isOnline(greeter)).toBe(false); // onlineApp leaves services alone
    await qos.get("/offline");
    await qos.get("/online"); // bare online brings everything back
    expect(qos.lifecycle.isServing(greeter)).toBe(true);
  });

  it("lists services, ports, config, help and metrics", async () => {
    const qos = await startQos();
    qos.lifecycle.transition("started");
    await qos.get(`/offline/${greeter}`);
    expect((await qos.get("/ls")).body).toBe(
      [
        "Application: started, online",
        "As Provider side:",
        `  ${greeter}  offline`,
        "As Consumer side:",
        "  greet.v1.OtherService  other.default.svc.cluster.local:50052",
      ].join("\n"),
    );
    expect((await qos.get("/ps")).body).toBe(
      ["protocol  host       port", "tri       *          50052", `qos       127.0.0.1  ${qos.port}`].join("\n"),
    );
    expect((await qos.get("/getConfig")).body).toBe(
      "dubbo.application.name = greeter-provider (code)\ndubbo.protocol.port = 50052 (default)",
    );
    expect((await qos.get("/getConfig/dubbo.protocol")).body).toBe("dubbo.protocol.port = 50052 (default)");
    const help = (await qos.get("/help")).body;
    for (const name of ["help", "ls", "ps", "version", "online", "offline", "getConfig", "metrics", "ready", "quit"]) {
      expect(help).toMatch(new RegExp(`^${name}\\s+\\S`, "m"));
    }
    expect((await qos.get("/help/getConfig")).body).toContain("access: PRIVATE");
    const metrics = await qos.get("/metrics");
    expect(metrics.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(metrics.body).toContain("# TYPE dubbo_provider_requests_total counter\n");
    const labels = `application_name="greeter-provider",application_version="",hostname="h",ip="10.0.0.7",interface="${greeter}",method="Greet",group="",version=""`;
    expect(metrics.body).toContain(`dubbo_provider_requests_succeed_total{${labels}} 1\n`);
    expect(metrics.body).toContain("# TYPE nodejs_heap_size_used_bytes gauge\n");
    expect((await qos.get("/quit")).body).toBe("BYE!");
  });

  it("answers 404 for unknown commands, 405 for other methods, 500 when a command throws", async () => {
    const qos = await startQos({
      getConfig: () => {
        throw new Error("config store unavailable");
      },
    });
    expect(await qos.get("/nope")).toMatchObject({ status: 404 });
    expect(await qos.get("/")).toMatchObject({ status: 404 });
    expect(await qos.get("/Ready")).toMatchObject({ status: 404 }); // names are case-sensitive
    expect(await qos.get("/ready", { method: "PUT" })).toMatchObject({ status: 405 });
    expect(await qos.get("/getConfig")).toEqual({
      status: 500,
      body: "Command getConfig failed: config store unavailable",
      type: "text/plain; charset=utf-8",
    });
    const failure = qos.logs.find((entry) => entry.event === "qos.command-failed");
    expect(failure).toMatchObject({ level: "error", command: "getConfig", message: "config store unavailable" });
    expect(JSON.stringify(failure)).not.toContain("    at ");
  });

  it("logs JSON-friendly events and keeps probes quiet", async () => {
    const qos = await startQos();
    qos.lifecycle.transition("started");
    await qos.get("/ready");
    await qos.get("/ls");
    expect(qos.logs.map((entry) => entry.event)).toEqual(["qos.started", "qos.command"]);
    expect(qos.logs[1]).toMatchObject({
      level: "info",
      peer: "127.0.0.1",
      transport: "http",
      command: "ls",
      status: 200,
    });
  });

  it("reports a taken port naming the key", async () => {
    const qos = await startQos();
    const second = createQosServer({
      lifecycle: createLifecycle(),
      port: qos.port,
      host: "127.0.0.1",
      logger: recordingLogger([]),
    });
    await expect(second.start()).rejects.toThrow(`QOS port ${qos.port} (dubbo.application.qos-port)`);
  });
});

/** A line-oriented telnet client: waits for the prompt after each command. */
async function telnet(port: number, options: { silent: boolean }) {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  let closed = false;
  socket.on("data", (chunk) => {
    text += chunk.toString("utf8");
  });
  socket.on("close", () => {
    closed = true;
  });
  const waitFor = async (from: number, done: (rest: string) => boolean): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (!done(text.slice(from)) && !closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return text.slice(from);
  };
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (options.silent) {
    await waitFor(0, (rest) => rest.endsWith("dubbo>"));
  }
  return {
    get transcript() {
      return text;
    },
    get closed() {
      return closed;
    },
    /** command sends one line (raw bytes may precede it) and returns the answer without the prompts. */
    async command(line: string, rawPrefix = Buffer.alloc(0)): Promise<string> {
      const from = text.length;
      socket.write(Buffer.concat([rawPrefix, Buffer.from(`${line}\r\n`)]));
      const rest = await waitFor(from, (r) => r.endsWith("dubbo>"));
      return rest
        .replace(/^dubbo>/, "")
        .replace(/dubbo>$/, "")
        .replace(/\r\n$/, "");
    },
    /** send writes raw text and waits for the server to close the connection. */
    async sendUntilClosed(raw: string): Promise<string> {
      const from = text.length;
      socket.write(raw);
      return waitFor(from, () => closed);
    },
    async waitClosed(): Promise<void> {
      await waitFor(text.length, () => closed);
    },
    close: () => socket.destroy(),
  };
}

describe("QOS over telnet", () => {
  it("greets a silent client and runs commands line by line", async () => {
    const qos = await startQos();
    const client = await telnet(qos.port, { silent: true });
    expect(client.transcript).toBe("Welcome to the dubbo-mesh QOS port. Type help for the commands.\r\ndubbo>");
    expect(await client.command("ready")).toBe("false");
    qos.lifecycle.transition("started");
    expect(await client.command("ready")).toBe("true");
    expect(await client.command("live")).toBe("true");
    expect(await client.command("startup")).toBe("true");
    expect(await client.command(`offline ${greeter}`)).toBe("OK");
    expect(await client.command("ls")).toContain(`  ${greeter}  offline`);
    expect(await client.command(`online ${greeter}`)).toBe("OK");
    expect(await client.command("offline")).toBe("OK");
    expect(await client.command("ready")).toBe("false");
    expect(await client.command("online")).toBe("OK");
    expect(await client.command("ps")).toContain("tri       *          50052");
    expect(await client.command("version")).toBe(`dubbo-mesh 9.9.9\r\nnode ${process.version}`);
    expect(await client.command("getConfig dubbo.application")).toBe(
      "dubbo.application.name = greeter-provider (code)",
    );
    expect(await client.command("metrics")).toContain("# TYPE dubbo_provider_requests_processing_total gauge\r\n");
    expect(await client.command("help")).toMatch(/^help\s+List the commands/);
    expect(await client.command("nope")).toBe("Unknown command: nope. Try help for the list of commands.");
    expect(await client.command("")).toBe("");
    expect(await client.command("quit")).toBe("BYE!");
    await client.waitClosed();
    expect(client.closed).toBe(true);
  });

  it("serves a client that types at once, skipping the greeting, and strips telnet negotiation", async () => {
    const qos = await startQos();
    const client = await telnet(qos.port, { silent: false });
    const will = Buffer.from([0xff, 0xfb, 0x1f, 0xff, 0xfa, 0x18, 0x00, 0xff, 0xf0]); // IAC WILL NAWS, IAC SB .. SE
    expect(await client.command("version", will)).toBe(`dubbo-mesh 9.9.9\r\nnode ${process.version}`);
    expect(client.transcript.startsWith("dubbo>dubbo-mesh")).toBe(true);
    client.close();
  });

  it("answers lines sent together in order", async () => {
    const qos = await startQos();
    qos.lifecycle.transition("started");
    const client = await telnet(qos.port, { silent: true });
    const all = await client.sendUntilClosed("ready\r\nlive\nquit\r\nls\r\n");
    expect(all).toBe("true\r\ndubbo>true\r\ndubbo>BYE!\r\n");
  });

  it("closes an idle connection", async () => {
    const qos = await startQos({ idleTimeoutMs: 200 });
    const client = await telnet(qos.port, { silent: true });
    await client.waitClosed();
    expect(client.closed).toBe(true);
    expect(qos.logs).toContainEqual(expect.objectContaining({ event: "qos.idle-timeout", peer: "127.0.0.1" }));
  });

  it("stops with open connections", async () => {
    const qos = await startQos();
    const client = await telnet(qos.port, { silent: true });
    const stop = stops.pop();
    await stop?.();
    await client.waitClosed();
    expect(client.closed).toBe(true);
  });
});
