import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { ConfigError } from "@dubbo-mesh/runtime";
import { dubbo } from "dubbo-mesh";
import { afterEach, describe, expect, it } from "vitest";
import { ContractGreeter } from "./fixtures/dist/contract-impl.js";
import { GreetingClients } from "./fixtures/dist/decorated-consumer.js";
import { GreetingsServiceImpl } from "./fixtures/dist/generic-impl.js";
import { GreeterService } from "./support/greeter-proto.js";
import { createGrpcJsHealthClient } from "./support/grpc-js-health-client.js";

const silent = { info() {}, warn() {}, error() {} };
const free = { "dubbo.protocol.port": 0, "dubbo.application.qos-port": 0, "dubbo.protocol.host": "127.0.0.1" };
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function app(config: Record<string, string | number | boolean> = {}, env: Record<string, string> = {}) {
  const a = dubbo({ config: { ...free, ...config }, env, logger: silent, handleSignals: false });
  stops.push(() => a.stop());
  return a;
}

async function qos(port: number | undefined, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.text()).trim() };
}

describe("decorators compile down to the plain registration calls", () => {
  it("provide(@DubboService class) serves it; consume() fills accessor and field references", async () => {
    const provider = app().provide(ContractGreeter);
    const { protocolPort } = await provider.start();
    const consumerApp = app();
    const clients = consumerApp.consume(GreetingClients, { url: `http://127.0.0.1:${protocolPort}` });
    expect((await clients.viaAccessor.greet({ name: "a" })).greeting).toMatch(/^hello, a\|127\.0\.0\.1:/);
    // viaField asks for version 2.0.0; the provider has only the unversioned service: Dubbo's fallback answers.
    expect((await clients.viaField.greet({ name: "b" })).greeting).toMatch(/^hello, b\|/);
  });

  it("an undecorated class is refused with a message saying what to do", () => {
    class Plain {}
    expect(() => app().provide(Plain)).toThrow(/no @DubboService or @DubboGenericService decorator.*app\.service/);
  });

  it("provide(@DubboGenericService class) serves an interface service; app.generic() calls it", async () => {
    const { protocolPort } = await app().provide(GreetingsServiceImpl).start();
    const greetings = app().generic("org.apache.dubbo.samples.api.GreetingsService", {
      url: `http://127.0.0.1:${protocolPort}`,
      version: "1.0.0",
    });
    expect(await greetings.invoke("sayHi", ["Dubbo"])).toBe("hi, Dubbo");
  });
});

describe("lazy references", () => {
  async function checksServed(qosPort: number | undefined): Promise<number> {
    const text = (await qos(qosPort, "/metrics")).body;
    const m =
      /dubbo_provider_requests_succeed_total\{[^}]*interface="grpc.health.v1.Health",method="Check"[^}]*\} (\d+)/.exec(
        text,
      );
    return Number(m?.[1] ?? 0);
  }

  it("lazy: false connects (and checks the provider) during start; lazy: true opens nothing until the first call", async () => {
    const provider = app().provide(ContractGreeter);
    const { protocolPort, qosPort } = await provider.start();
    const url = `http://127.0.0.1:${protocolPort}`;
    const events: string[] = [];
    const logger = { ...silent, info: (f: { event: string }) => events.push(f.event) };
    const lazyApp = dubbo({ config: free, logger, handleSignals: false });
    stops.push(() => lazyApp.stop());
    lazyApp.reference(GreeterService, { url, lazy: true });
    await lazyApp.start();
    expect(await checksServed(qosPort)).toBe(0);
    expect(events).not.toContain("reference-connected");
    const eagerApp = dubbo({ config: free, logger, handleSignals: false });
    stops.push(() => eagerApp.stop());
    eagerApp.reference(GreeterService, { url, lazy: false });
    await eagerApp.start();
    expect(events).toContain("reference-connected");
    expect(await checksServed(qosPort)).toBe(1);
  });
});

describe("configuration reaches the application", () => {
  it("code > environment > default, and QOS getConfig shows each source", async () => {
    const a = dubbo({
      config: { "dubbo.application.qos-port": 0, "dubbo.protocol.host": "127.0.0.1" },
      env: { DUBBO_PROTOCOL_PORT: "0", DUBBO_APPLICATION_NAME: "from-env" },
      application: { name: "from-code" },
      logger: silent,
      handleSignals: false,
    }).provide(ContractGreeter);
    stops.push(() => a.stop());
    expect(a.config.values.application.name).toBe("from-code");
    const { qosPort } = await a.start();
    const config = await qos(qosPort, "/getConfig");
    expect(config.body).toMatch(/dubbo\.application\.name = from-code \(code\)/);
    expect(config.body).toMatch(/dubbo\.protocol\.port = 0 \(environment\)/);
    expect(config.body).toMatch(/dubbo\.consumer\.timeout = 1000 \(default\)/);
  });

  it("a bad value stops start-up with one error naming key, value and source", () => {
    const e = (() => {
      try {
        dubbo({ env: { DUBBO_PROTOCOL_PORT: "70000" }, logger: silent });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(/dubbo\.protocol\.port.*70000.*DUBBO_PROTOCOL_PORT/);
  });

  it("a registry other than N/A is refused, listing what is supported", () => {
    expect(() => dubbo({ config: { "dubbo.registry.address": "zookeeper://zk:2181" }, logger: silent })).toThrow(
      /N\/A/,
    );
  });
});

describe("probes on the QOS port and health on the protocol port tell the same story", () => {
  it("readiness = started + online + checks; offline drains it (health NOT_SERVING), online restores it", async () => {
    let warm = false;
    const a = app()
      .provide(ContractGreeter)
      .addCheck("readiness", "cache-warm", () => warm);
    const { qosPort, protocolPort } = await a.start();
    const health = createGrpcJsHealthClient(`127.0.0.1:${protocolPort}`);
    try {
      expect(await qos(qosPort, "/live")).toEqual({ status: 200, body: "true" });
      expect(await qos(qosPort, "/startup")).toEqual({ status: 200, body: "true" });
      expect(await qos(qosPort, "/ready")).toEqual({ status: 503, body: "false" });
      warm = true;
      expect(await qos(qosPort, "/ready")).toEqual({ status: 200, body: "true" });
      expect(await health.check("")).toBe("SERVING");
      expect((await qos(qosPort, "/offline")).status).toBe(200);
      expect(await qos(qosPort, "/ready")).toEqual({ status: 503, body: "false" });
      expect(await health.check("")).toBe("NOT_SERVING");
      expect(await health.check("fixture.v1.GreeterService")).toBe("NOT_SERVING");
      expect((await qos(qosPort, "/online")).status).toBe(200);
      expect(await qos(qosPort, "/ready")).toEqual({ status: 200, body: "true" });
      expect(await health.check("fixture.v1.GreeterService")).toBe("SERVING");
      const metrics = await qos(qosPort, "/metrics");
      expect(metrics.body).toMatch(
        /dubbo_provider_requests_succeed_total\{[^}]*interface="grpc.health.v1.Health",method="Check"[^}]*\} [1-9]/,
      );
    } finally {
      health.close();
    }
  });

  it("after stop: ready is false and the protocol port is closed", async () => {
    const a = app().provide(ContractGreeter);
    const { protocolPort } = await a.start();
    await a.stop();
    expect(a.lifecycle.state).toBe("stopped");
    const consumer = createConsumer();
    const err = await consumer
      .reference(GreeterService, { url: `http://127.0.0.1:${protocolPort}` })
      .greet({ name: "x" })
      .catch((e: unknown) => ConnectError.from(e));
    consumer.close();
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
