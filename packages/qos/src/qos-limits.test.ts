import { connect, type Socket } from "node:net";
import { createLifecycle } from "@dubbo-mesh/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createQosServer, type QosLogFields, type QosOptions } from "./index.js";
import { maxTelnetLineBytes } from "./telnet-session.js";

// The QOS port answers anyone in the cluster before any permission check, so what one client can make it hold is
// bounded: an over-long telnet line stops the reading at once, a line or HTTP request trickled slower than
// requestTimeoutMs ends the connection, and only maxConnections are open at once. Limits are small here, and the
// tests wait on the server's own events (close, log lines), never on a fixed sleep.

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

interface Started {
  port: number;
  /** Resolves with the first log event of that name (already logged or still to come). */
  logged(event: string): Promise<QosLogFields>;
}

async function startQos(overrides: Partial<QosOptions> = {}): Promise<Started> {
  const logs: QosLogFields[] = [];
  const waiting: { event: string; resolve: (f: QosLogFields) => void }[] = [];
  const record = (fields: QosLogFields) => {
    logs.push(fields);
    for (const w of waiting.filter((x) => x.event === fields.event)) w.resolve(fields);
  };
  const server = createQosServer({
    lifecycle: createLifecycle(),
    port: 0,
    host: "127.0.0.1",
    protocolDetectMs: 50,
    logger: { info: record, warn: record, error: record },
    ...overrides,
  });
  const { port } = await server.start();
  stops.push(() => server.stop());
  return {
    port,
    logged: (event) =>
      new Promise((resolve) => {
        const found = logs.find((f) => f.event === event);
        if (found) resolve(found);
        else waiting.push({ event, resolve });
      }),
  };
}

/** A connected raw client that records what it receives and when the server closed it. */
async function open(port: number, allowHalfOpen = false) {
  const socket: Socket = connect({ port, host: "127.0.0.1", allowHalfOpen });
  let received = "";
  socket.on("data", (d: Buffer) => {
    received += d.toString("latin1");
  });
  socket.on("error", () => {}); // a reset is a close here
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return {
    socket,
    closed,
    get received() {
      return received;
    },
    /** Waits until the received text contains `text`; rejects if the server closes first. */
    async until(text: string): Promise<void> {
      while (!received.includes(text)) {
        const more = new Promise<"data">((resolve) => socket.once("data", () => resolve("data")));
        if ((await Promise.race([more, closed.then(() => "closed" as const)])) === "closed" && !received.includes(text))
          throw new Error(`closed before "${text}"; got ${JSON.stringify(received)}`);
      }
    },
  };
}

/** Writes one byte of `text` (repeated) every 20 ms until the socket closes. */
function trickle(socket: Socket, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(text[i++ % text.length] ?? "x");
  }, 20);
  socket.once("close", () => clearInterval(timer));
}

describe("QOS telnet limits", () => {
  it("stops reading a 32 MiB line at the line limit and destroys the socket", async () => {
    const qos = await startQos();
    // allowHalfOpen: the client keeps writing even after the server's FIN, as a hostile one would.
    const client = await open(qos.port, true);
    await client.until("dubbo>");
    const total = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    let gone = false;
    void client.closed.then(() => {
      gone = true;
    });
    client.socket.on("error", () => {
      gone = true;
    });
    while (written < total && !gone) {
      const ok = client.socket.write(chunk);
      written += chunk.length;
      if (!ok) {
        await Promise.race([new Promise((r) => client.socket.once("drain", r)), client.closed]);
      }
    }
    await client.closed;
    expect(await qos.logged("qos.telnet-line-too-long")).toMatchObject({ peer: "127.0.0.1" });
    // What the client got to hand to its kernel before the reset: socket buffers, not the 32 MiB line.
    expect(written).toBeLessThan(total);
    expect(maxTelnetLineBytes).toBe(8192);
  });

  it("ends a session whose line is trickled slower than requestTimeoutMs, and serves a prompt one", async () => {
    const qos = await startQos({ requestTimeoutMs: 300 });
    const prompt = await open(qos.port);
    prompt.socket.write("ready\r\n");
    await prompt.until("false\r\ndubbo>");

    const slow = await open(qos.port);
    await slow.until("dubbo>");
    slow.socket.write("he");
    trickle(slow.socket, "lp"); // a byte every 20 ms keeps the idle timeout from ever firing
    await slow.closed;
    expect(await qos.logged("qos.telnet-line-timeout")).toMatchObject({ peer: "127.0.0.1" });

    prompt.socket.write("live\r\n"); // the prompt client, idle meanwhile, still has its session
    await prompt.until("true\r\ndubbo>");
    prompt.socket.destroy();
  });
});

describe("QOS HTTP limits", () => {
  it("answers headers trickled slower than requestTimeoutMs with 408 and closes the connection", async () => {
    const qos = await startQos({ requestTimeoutMs: 300 });
    const client = await open(qos.port);
    client.socket.write("GET /ready HTTP/1.1\r\nX-Slow: ");
    trickle(client.socket, "abc");
    await client.closed;
    expect(client.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(await qos.logged("qos.http-request-timeout")).toBeDefined();
  });
});

describe("QOS connection cap", () => {
  it("closes connections over maxConnections at once and accepts again when one leaves", async () => {
    const qos = await startQos({ maxConnections: 2 });
    const first = await open(qos.port);
    const second = await open(qos.port);
    await first.until("dubbo>");
    await second.until("dubbo>");

    const third = await open(qos.port);
    await third.closed;
    expect(third.received).toBe("");
    expect(await qos.logged("qos.connections-dropped")).toMatchObject({ count: 1, maxConnections: 2 });

    first.socket.destroy();
    await first.closed;
    await second.until("dubbo>"); // still served
    // The server counts the closed connection out once its side has closed too: retry until it has.
    for (;;) {
      const next = await open(qos.port);
      const outcome = await next.until("dubbo>").then(
        () => "served",
        () => "closed",
      );
      if (outcome === "served") {
        next.socket.destroy();
        break;
      }
    }
    second.socket.destroy();
  });
});
