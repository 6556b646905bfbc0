import * as net from "node:net";
import { createConsumer } from "@dubbo-mesh/consumer";
import { describe, expect, it } from "vitest";
import { GreeterService } from "./support/greeter-proto.js";
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
  it("does not take the provider down, and each handler sees its call cancelled (unary and streaming)", async () => {
    const p = spawnNode("test/fixtures/dist/contract-provider.js", {
      DUBBO_PROTOCOL_PORT: "0",
      DUBBO_APPLICATION_QOS_ENABLE: "false",
      TRACE_HANDLERS: "1",
    });
    const count = (event: string) => p.events.filter((e) => e.event === event).length;
    try {
      const started = await p.waitFor((e) => e.event === "application-started");
      const port = Number(started.protocolPort);
      for (let i = 0; i < 20; i++) {
        // A slow call, reset once its handler runs; even i: unary, odd: server streaming.
        const path = i % 2 === 0 ? "/fixture.v1.GreeterService/Greet" : "/fixture.v1.GreeterService/GreetStream";
        const socket = net.connect(port, "127.0.0.1", () => socket.write(rawCall(port, path, "sleep:5000")));
        socket.on("error", () => {});
        await p.waitFor(() => count("handler-entered") > i);
        socket.resetAndDestroy();
      }
      // Every handler saw its call cancelled by the reset (long before its 5 s sleep), and the process lives on.
      await p.waitFor(() => count("handler-ended") === 20);
      expect(p.events.filter((e) => e.event === "handler-ended").every((e) => e.cancelled === true)).toBe(true);
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
