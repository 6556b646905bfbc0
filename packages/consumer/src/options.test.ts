import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { health } from "@dubbo-mesh/protocol";
import { loadConfig } from "@dubbo-mesh/runtime";
import { describe, expect, it } from "vitest";
import { createConsumer } from "./consumer.js";
import { defaultKeepalive } from "./keepalive.js";
import { type ConsumerOptions, validateConsumerOptions, validateReferenceOptions } from "./options.js";

describe("createConsumer's and reference()'s options", () => {
  it("defaults are the config schema's: a consumer without options calls as dubbo() without config", () => {
    const { values } = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), "consumer-options-")) });
    const valid = validateConsumerOptions({});
    expect(valid).toMatchObject({
      timeout: values.consumer.timeout,
      retries: values.consumer.retries,
      meshEnable: values.consumer.meshEnable,
      balancing: values.consumer.balancing,
      loadBalancer: values.consumer.loadbalance,
      keepalive: { timeMs: values.consumer.keepaliveTime, timeoutMs: values.consumer.keepaliveTimeout },
      connectTimeoutMs: values.consumer.connectTimeout,
    });
    expect(defaultKeepalive).toEqual(valid.keepalive);
    const ref = validateReferenceOptions("greet.v1.GreeterService", { url: "http://127.0.0.1:1" }, valid);
    expect(ref).toEqual({
      timeout: values.consumer.timeout,
      retries: values.consumer.retries,
      readMaxBytes: values.protocol.maxMessageSize,
      protocol: "grpc",
      httpVersion: "1.1",
      loadBalancer: values.consumer.loadbalance,
    });
  });

  it("a reference's own timeout, retries and balancer win over the consumer's", () => {
    const valid = validateConsumerOptions({ timeout: 5000, retries: 4, loadBalancer: "least_request" });
    expect(validateReferenceOptions("S", {}, valid)).toMatchObject({
      timeout: 5000,
      retries: 4,
      loadBalancer: "least_request",
    });
    expect(validateReferenceOptions("S", { timeout: 0, retries: 0, loadBalancer: "round_robin" }, valid)).toMatchObject(
      {
        timeout: 0,
        retries: 0,
        loadBalancer: "round_robin",
      },
    );
  });

  it.each<[ConsumerOptions, string]>([
    [{ timeout: -1 }, "timeout (dubbo.consumer.timeout) must be a non-negative integer number of milliseconds, got -1"],
    [{ retries: 1.5 }, "retries (dubbo.consumer.retries) must be an integer >= 0, got 1.5"],
    [
      { keepaliveTimeMs: -250 },
      "keepaliveTimeMs (dubbo.consumer.keepalive-time) must be a non-negative integer number of milliseconds, got -250",
    ],
    [
      { keepaliveTimeoutMs: 0 },
      "keepaliveTimeoutMs (dubbo.consumer.keepalive-timeout) must be a positive integer number of milliseconds, got 0",
    ],
    [
      { balancing: "sidecar" as "mesh" },
      'balancing (dubbo.consumer.balancing) must be one of mesh, client (case-insensitive), got "sidecar"',
    ],
    [{ resolveIntervalMs: 0 }, "resolveIntervalMs must be a positive integer number of milliseconds, got 0"],
    [
      { minResolveIntervalMs: -1 },
      "minResolveIntervalMs must be a non-negative integer number of milliseconds, got -1",
    ],
  ])("%o: createConsumer throws %s", (options, message) => {
    expect(() => createConsumer(options)).toThrow(message);
  });

  it("a bad reference option throws from reference(), naming the option and the service", () => {
    const consumer = createConsumer({ logger: { info() {}, warn() {}, error() {} } });
    try {
      const url = "http://127.0.0.1:1";
      expect(() => consumer.reference(health.Health, { url, retries: -1 })).toThrow(
        "retries of the reference to grpc.health.v1.Health must be an integer >= 0, got -1",
      );
      expect(() => consumer.reference(health.Health, { url, timeout: -5 })).toThrow(
        "timeout of the reference to grpc.health.v1.Health must be a non-negative integer number of milliseconds, got -5",
      );
      expect(() => consumer.reference(health.Health, { url, readMaxBytes: 0 })).toThrow(
        "readMaxBytes of the reference to grpc.health.v1.Health (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got 0",
      );
    } finally {
      consumer.close();
    }
  });
});
