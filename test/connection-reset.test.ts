import * as net from "node:net";
import { createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { describe, expect, it } from "vitest";
import { h2Frame, h2Preface, hpackLiteral } from "./support/h2-frames.js";
import { spawnNode } from "./support/processes.js";

/** An HTTP/2 client preface, SETTINGS, and HEADERS (HPACK literals) + DATA of one unary call on stream 1. */
function rawCall(port: number, path: string, name: string): Buffer {
  const block = Buffer.concat([
    hpackLiteral(":method", "POST"),
    hpackLiteral(":scheme", "http"),
    hpackLiteral(":path", path),
    hpackLiteral(":authority", `127.0.0.1:${port}`),
    hpackLiteral("content-type", "application/grpc"),
    hpackLiteral("te", "trailers"),
  ]);
  const msg = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
  const grpcFrame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
  return Buffer.concat([h2Preface(), h2Frame(0x1, 0x4, 1, block), h2Frame(0x0, 0x1, 1, grpcFrame)]);
}

describe("a peer that resets its TCP connection mid-call", () => {
  it("does not take the provider down (fast lane and general path)", async () => {
    const p = spawnNode("test/fixtures/dist/contract-provider.js", {
      DUBBO_PROTOCOL_PORT: "0",
      DUBBO_APPLICATION_QOS_ENABLE: "false",
    });
    try {
      const started = await p.waitFor((e) => e.event === "application-started");
      const port = Number(started.protocolPort);
      for (let i = 0; i < 20; i++) {
        // A slow call, so the stream is open when the connection is reset; even i: fast lane, odd: streaming path.
        const path = i % 2 === 0 ? "/greet.v1.GreeterService/Greet" : "/greet.v1.GreeterService/GreetStream";
        await new Promise<void>((resolve) => {
          const socket = net.connect(port, "127.0.0.1", () => {
            socket.write(rawCall(port, path, "sleep:200"));
            setTimeout(() => {
              socket.resetAndDestroy();
              resolve();
            }, 20);
          });
          socket.on("error", () => resolve());
        });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(p.child.exitCode).toBeNull();
      const consumer = createConsumer({ timeout: 5000 });
      const reply = await consumer.reference(GreeterService, { url: `http://127.0.0.1:${port}` }).greet({ name: "ok" });
      consumer.close();
      expect(reply.greeting).toMatch(/^hello, ok\|/);
    } finally {
      await p.stop("SIGKILL");
    }
  });
});
