import { createConsumer } from "@dubbo-mesh/consumer";
import { createLifecycle } from "@dubbo-mesh/runtime";
import { expect, it } from "vitest";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider } from "./support/start-provider.js";

/** A REST-style Triple call (`GET /<service>/<Method>?name=…`): connect's general path serves it. */
async function restGreet(url: string, name: string): Promise<unknown> {
  const res = await fetch(`${url}/fixture.v1.GreeterService/Greet?name=${encodeURIComponent(name)}`);
  expect(res.status).toBe(200);
  return res.json();
}

// The provider opens its port before connect's general path has loaded (it loads in the background); calls for the
// general path that arrive in that moment must wait for it, not fail.
it("calls for the general path made right after start() are served (Triple REST), beside Triple JSON and gRPC streaming", async () => {
  const provider = await startContractProvider();
  const consumer = createConsumer({ timeout: 10_000 });
  try {
    const triple = consumer.reference(GreeterService, { url: provider.url, protocol: "triple", json: true });
    const grpc = consumer.reference(GreeterService, { url: provider.url });
    const [rest, unary, streamed] = await Promise.all([
      restGreet(provider.url, "early"),
      triple.greet({ name: "early" }),
      (async () => {
        const out: string[] = [];
        for await (const r of grpc.greetStream({ name: "early" })) out.push(r.greeting);
        return out;
      })(),
    ]);
    expect(rest).toEqual({ greeting: "hello, early" });
    expect(unary.greeting).toBe("hello, early");
    expect(streamed).toEqual(["hello, early #1", "hello, early #2", "hello, early #3"]);
  } finally {
    consumer.close();
    await provider.close();
  }
});

function recordingLogger() {
  const events: Record<string, unknown>[] = [];
  const log = (fields: Record<string, unknown>) => void events.push(fields);
  return { events, logger: { info: log, warn: log, error: log } };
}

const loaded = (events: Record<string, unknown>[]) => events.filter((e) => e.event === "general-path-loaded");

// The general path is not on the start-up path: with the application's lifecycle (which the application moves to
// started after QOS and references are up) nothing loads it until it is started or a request needs it.
it("loads the general path in the background only once the lifecycle reaches started", async () => {
  const { events, logger } = recordingLogger();
  const lifecycle = createLifecycle();
  const provider = await startContractProvider({ lifecycle, logger });
  try {
    // A gRPC call (the gRPC engine's) and a Triple HTTP unary call (the Triple engine's) do not need it.
    const consumer = createConsumer({ timeout: 10_000 });
    try {
      const grpc = consumer.reference(GreeterService, { url: provider.url });
      expect((await grpc.greet({ name: "fast" })).greeting).toBe("hello, fast");
      const triple = consumer.reference(GreeterService, { url: provider.url, protocol: "triple", json: true });
      expect((await triple.greet({ name: "fast" })).greeting).toBe("hello, fast");
    } finally {
      consumer.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(loaded(events)).toEqual([]);
    lifecycle.transition("started");
    await expect.poll(() => loaded(events), { timeout: 10_000 }).toHaveLength(1);
    expect(loaded(events)[0]).toMatchObject({ trigger: "background" });
  } finally {
    await provider.close();
  }
});

it("a general-path request before start-up ends loads it at once and is served", async () => {
  const { events, logger } = recordingLogger();
  const provider = await startContractProvider({ lifecycle: createLifecycle(), logger });
  try {
    expect(await restGreet(provider.url, "early")).toEqual({ greeting: "hello, early" });
    expect(loaded(events)).toHaveLength(1);
    expect(loaded(events)[0]).toMatchObject({ trigger: "request" });
  } finally {
    await provider.close();
  }
});
