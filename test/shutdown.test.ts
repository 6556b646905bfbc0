import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { afterAll, describe, expect, it } from "vitest";
import { GreeterService } from "./support/greeter-proto.js";
import { createGrpcJsHealthClient } from "./support/grpc-js-health-client.js";
import { type EventProcess, spawnNode } from "./support/processes.js";

const script = "test/fixtures/dist/contract-provider.js";
const running: EventProcess[] = [];
afterAll(async () => {
  for (const p of running) await p.stop("SIGKILL");
});

async function startProvider(env: Record<string, string>) {
  const p = spawnNode(script, {
    DUBBO_PROTOCOL_PORT: "0",
    DUBBO_APPLICATION_QOS_PORT: "0",
    TRACE_HANDLERS: "1",
    ...env,
  });
  running.push(p);
  const started = await p.waitFor((e) => e.event === "application-started");
  return { p, port: Number(started.protocolPort), qosPort: Number(started.qosPort) };
}

/** Resolves once `n` handlers of `p` have started (see TRACE_HANDLERS in the contract fixture). */
function handlersEntered(p: EventProcess, n: number): Promise<unknown> {
  return p.waitFor(() => p.events.filter((e) => e.event === "handler-entered").length >= n);
}

async function ready(qosPort: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${qosPort}/ready`)).status;
}

function outcome(p: Promise<{ greeting: string }>): Promise<string> {
  return p.then(
    (r) => r.greeting,
    (e: unknown) => `error:${Code[ConnectError.from(e).code]}`,
  );
}

describe("graceful shutdown on SIGTERM, in Dubbo's order", () => {
  it("offline -> shutdown-delay -> GOAWAY + stop accepting -> drain in-flight -> exit 0; no accepted call dropped", async () => {
    const { p, port, qosPort } = await startProvider({
      DUBBO_APPLICATION_SHUTDOWN_DELAY: "600",
      DUBBO_SERVICE_SHUTDOWN_WAIT: "5000",
    });
    const consumer = createConsumer({ timeout: 10_000 });
    const grpc = consumer.reference(GreeterService, { url: `http://127.0.0.1:${port}`, retries: 0 } as never);
    const triple = consumer.reference(GreeterService, { url: `http://127.0.0.1:${port}`, protocol: "triple" });
    const health = createGrpcJsHealthClient(`127.0.0.1:${port}`);
    expect(await health.check("")).toBe("SERVING");
    const inFlight = [
      ...Array.from({ length: 5 }, () => outcome(grpc.greet({ name: "sleep:1500" }))),
      outcome(triple.greet({ name: "sleep:1500" })),
    ];
    await handlersEntered(p, 6); // every call has reached its handler before the signal
    const signalled = Date.now();
    p.child.kill("SIGTERM");
    await p.waitFor((e) => e.event === "shutdown-begin");
    // During the delay: not ready, health NOT_SERVING, but still answering (balancers are still noticing).
    expect(await ready(qosPort)).toBe(503);
    expect(await health.check("")).toBe("NOT_SERVING");
    expect(await outcome(grpc.greet({ name: "during-delay" }))).toMatch(/^hello, during-delay\|/);
    health.close();
    // Every call accepted before the signal completes normally.
    const results = await Promise.all(inFlight);
    expect(results.every((r) => r.startsWith("hello, sleep:1500|"))).toBe(true);
    expect(await p.exited).toBe(0);
    // After the drain nothing listens any more.
    expect(await outcome(grpc.greet({ name: "after" }))).toBe("error:Unavailable");
    consumer.close();
    const order = p.events.map((e) => e.event).filter((e) => typeof e === "string");
    const at = (name: string) => order.indexOf(name);
    expect(at("signal")).toBeGreaterThan(-1);
    expect(at("signal")).toBeLessThan(at("shutdown-begin"));
    expect(at("shutdown-begin")).toBeLessThan(at("provider-stopped"));
    expect(at("provider-stopped")).toBeLessThan(at("shutdown-complete"));
    const stopped = p.events.find((e) => e.event === "provider-stopped");
    expect(Number(stopped?.drainMs)).toBeGreaterThan(0);
    // The drain ended when the last call did — every connection closed — not at the 5000 ms cap.
    expect(Number(stopped?.drainMs)).toBeLessThan(4000);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(600);
  });

  it("dubbo.service.shutdown.wait caps the drain: calls still running then are cancelled, the process still exits 0", async () => {
    const { p, port } = await startProvider({ DUBBO_SERVICE_SHUTDOWN_WAIT: "300" });
    const consumer = createConsumer({ timeout: 20_000 });
    const grpc = consumer.reference(GreeterService, { url: `http://127.0.0.1:${port}`, retries: 0 } as never);
    const slow = outcome(grpc.greet({ name: "sleep:15000" }));
    await handlersEntered(p, 1);
    const signalled = Date.now();
    expect(await p.stop("SIGTERM")).toBe(0);
    // Behaviour, not speed: the exit comes from the 300 ms cap, not from the 15 s call finishing.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(await slow).toMatch(/^error:/);
    consumer.close();
  });
});
