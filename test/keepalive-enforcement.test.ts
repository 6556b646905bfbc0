import { once } from "node:events";
import * as http2 from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsumer } from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, pythonPeersDir } from "./peers/python-peer.js";
import { startFreezingProxy } from "./support/freezing-proxy.js";
import { GreeterService } from "./support/greeter-proto.js";
import { type EventProcess, spawnEvents } from "./support/processes.js";
import { startContractProvider } from "./support/start-provider.js";

const PING = 0x6;
const ACK = 0x1;

/** A gRPC request body: the 5-byte prefix and a GreetRequest whose field 1 is `name`. */
function greetBody(name: string): Buffer {
  const msg = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
  return Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
}

/** A gRPC server with ping enforcement at its defaults, serving Greet (`sleep:<ms>` waits first). */
interface EnforcingServer {
  port: number;
  stop(): Promise<unknown>;
}

const servers: [string, () => Promise<EnforcingServer>][] = [
  [
    "grpcio server (C-core)",
    async () => {
      const p: EventProcess = spawnEvents(PYTHON, [`${pythonPeersDir}enforcing_server.py`]);
      const port = Number((await p.waitFor((e) => e.event === "listening")).port);
      return { port, stop: () => p.stop("SIGKILL") };
    },
  ],
  [
    "our provider (dubbo.protocol.permit-keepalive-time 5 min, max-ping-strikes 2)",
    async () => {
      const p = await startContractProvider();
      return { port: p.port, stop: () => p.close() };
    },
  ],
];

describe.each(servers)("keepalive against gRPC's ping enforcement: %s", (_name, start) => {
  let server: EnforcingServer;
  let port: number;
  beforeAll(async () => {
    server = await start();
    port = server.port;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("is real: a client that PINGs four times during a quiet call gets GOAWAY(ENHANCE_YOUR_CALM, too_many_pings)", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => {});
    try {
      await once(session, "connect");
      const stream = session.request({
        ":method": "POST",
        ":path": "/fixture.v1.GreeterService/Greet",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => {});
      stream.end(greetBody("sleep:3000"));
      const goaway = once(session, "goaway");
      for (let i = 0; i < 4 && !session.closed && !session.destroyed; i++) {
        await sleep(200);
        session.ping(() => {});
      }
      const [code, , data] = (await goaway) as [number, number, Buffer | undefined];
      expect(code).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      expect(data?.toString()).toBe("too_many_pings");
    } finally {
      session.destroy();
    }
  });

  it("is not tripped by our consumer's keepalive during long quiet calls, new calls joining them", async () => {
    const proxy = await startFreezingProxy(port);
    const consumer = createConsumer({ timeout: 10_000 });
    try {
      const greeter = consumer.reference(GreeterService, { url: `tri://127.0.0.1:${proxy.port}` });
      // One call quiet for 4 s; three more join it, each on a connection quiet since the last one joined.
      const calls = [greeter.greet({ name: "sleep:4000" })];
      for (const ms of [3000, 2000, 1000]) {
        await sleep(1000);
        calls.push(greeter.greet({ name: `sleep:${ms}` }));
      }
      const replies = await Promise.all(calls);
      expect(replies.map((r) => r.greeting)).toEqual([
        "hello, sleep:4000",
        "hello, sleep:3000",
        "hello, sleep:2000",
        "hello, sleep:1000",
      ]);
      // The keepalive did check the quiet connection (more than once), and the connection was never replaced.
      const pings = proxy.clientFrames.filter((f) => f.type === PING && (f.flags & ACK) === 0);
      console.log(`${pings.length} keepalive PINGs during the quiet calls`);
      expect(pings.length).toBeGreaterThanOrEqual(2);
      expect(proxy.accepted).toBe(1);
      // And the connection is still good for the next call.
      expect((await greeter.greet({ name: "after" })).greeting).toBe("hello, after");
      expect(proxy.accepted).toBe(1);
    } finally {
      consumer.close();
      await proxy.close();
    }
  });
});
