import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { callInfo, createProvider } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { describe, expect, it } from "vitest";
import { GreeterService } from "./support/greeter-proto.js";

async function run(maxConnectionAge: number) {
  const events: string[] = [];
  const logger = { ...silentLogger, info: (f: { event: string }) => events.push(f.event) };
  const provider = createProvider({
    port: 0,
    host: "127.0.0.1",
    logger,
    maxConnectionAge,
    maxConnectionAgeGrace: 1000,
  });
  provider.service(GreeterService, {
    // Reply with the caller's address: each new client connection has a new source port.
    greet: (_req, ctx) => ({ greeting: callInfo(ctx).remoteAddress }),
  });
  const { port } = await provider.start();
  const consumer = createConsumer({ timeout: 5000 });
  const greeter = consumer.reference(GreeterService, { url: `http://127.0.0.1:${port}` });
  const peers = new Set<string>();
  const failures: string[] = [];
  const end = Date.now() + 1500;
  try {
    while (Date.now() < end) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, () =>
          greeter.greet({ name: "x" }).then(
            (r) => r.greeting,
            (e: unknown) => {
              failures.push(Code[ConnectError.from(e).code]);
              return "";
            },
          ),
        ),
      );
      for (const peer of batch) if (peer) peers.add(peer);
    }
  } finally {
    consumer.close();
    await provider.stop({ graceMs: 500 });
  }
  return { peers, failures, aged: events.filter((e) => e === "connection-max-age").length };
}

describe("dubbo.protocol.max-connection-age (gRFC A9)", () => {
  it("turns connections over with GOAWAY and loses no call", async () => {
    const { peers, failures, aged } = await run(250);
    expect(failures).toEqual([]);
    expect(aged).toBeGreaterThanOrEqual(3);
    expect(peers.size).toBeGreaterThanOrEqual(4);
  });

  it("off by default: one connection serves everything", async () => {
    const { peers, failures, aged } = await run(0);
    expect(failures).toEqual([]);
    expect(aged).toBe(0);
    expect(peers.size).toBe(1);
  });
});
