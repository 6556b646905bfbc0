import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@dubbo-mesh/runtime";
import { describe, expect, it } from "vitest";
import { defaultKeepalivePolicy } from "./keepalive.js";
import { createProvider } from "./provider.js";
import { defaultStopGraceMs, validateProviderOptions } from "./provider-options.js";

describe("createProvider's options", () => {
  it("defaults are the config schema's: a provider without options runs as dubbo() without config", () => {
    const { values } = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), "provider-options-")) });
    const valid = validateProviderOptions({});
    expect(valid).toMatchObject({
      port: values.protocol.port,
      host: values.protocol.host,
      readMaxBytes: values.protocol.maxMessageSize,
      fallbackToDefault: values.tri.resolveFallbackToDefault,
      maxConnectionAge: values.protocol.maxConnectionAge,
      maxConnectionAgeGrace: values.protocol.maxConnectionAgeGrace,
      http1: { headersTimeout: values.protocol.headersTimeout, requestTimeout: values.protocol.requestTimeout },
      executes: values.provider.executes,
      maxConcurrentStreams: values.protocol.triple.maxConcurrentStreams,
      maxStreamResetsPerSecond: values.protocol.triple.maxStreamResetsPerSecond,
      accepts: values.protocol.accepts,
      health: true,
      reflection: true,
    });
    const keepalive = {
      timeMs: values.protocol.keepaliveTime,
      timeoutMs: values.protocol.keepaliveTimeout,
      permitTimeMs: values.protocol.permitKeepaliveTime,
      permitWithoutCalls: values.protocol.permitKeepaliveWithoutCalls,
      maxPingStrikes: values.protocol.maxPingStrikes,
    };
    expect(valid.keepalive).toEqual(keepalive);
    expect(defaultKeepalivePolicy).toEqual(keepalive);
    expect(defaultStopGraceMs).toBe(values.service.shutdown.wait);
    expect(valid.readMaxBytes).toBe(4 * 1024 * 1024);
  });

  it("a keepalive field left undefined keeps its default; the others are taken", () => {
    const { keepalive } = validateProviderOptions({ keepalive: { timeMs: undefined, maxPingStrikes: 0 } });
    expect(keepalive).toEqual({ ...defaultKeepalivePolicy, maxPingStrikes: 0 });
  });

  it.each([
    [
      { readMaxBytes: -1 },
      "readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got -1",
    ],
    [
      { readMaxBytes: 2 ** 31 },
      "readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got 2147483648",
    ],
    [{ port: 70_000 }, "port (dubbo.protocol.port) must be a port number 1-65535, or 0 for any free port, got 70000"],
    [{ host: "not a host" }, 'host (dubbo.protocol.host) must be an IP address or host name, got "not a host"'],
    [
      { maxConnectionAge: -5 },
      "maxConnectionAge (dubbo.protocol.max-connection-age) must be a non-negative integer number of milliseconds, got -5",
    ],
    [
      { maxConnectionAgeGrace: 0.5 },
      "maxConnectionAgeGrace (dubbo.protocol.max-connection-age-grace) must be a non-negative integer number of milliseconds, got 0.5",
    ],
    [
      { headersTimeout: -1 },
      "headersTimeout (dubbo.protocol.headers-timeout) must be a non-negative integer number of milliseconds, got -1",
    ],
    [
      { headersTimeout: 5000, requestTimeout: 1000 },
      "dubbo.protocol.headers-timeout 5000 / dubbo.protocol.request-timeout 1000: headersTimeout (5000) must not be longer than requestTimeout (1000)",
    ],
    [
      { keepalive: { timeoutMs: 0 } },
      "keepalive.timeoutMs (dubbo.protocol.keepalive-timeout) must be a positive integer number of milliseconds, got 0",
    ],
    [
      { keepalive: { maxPingStrikes: -1 } },
      "keepalive.maxPingStrikes (dubbo.protocol.max-ping-strikes) must be an integer >= 0, got -1",
    ],
    [{ executes: 1.5 }, "executes (dubbo.provider.executes) must be an integer from 0 to 2147483647, got 1.5"],
    [
      { maxConcurrentStreams: 0 },
      "maxConcurrentStreams (dubbo.protocol.triple.max-concurrent-streams) must be an integer from 1 to 2147483647, got 0",
    ],
    [{ accepts: -1 }, "accepts (dubbo.protocol.accepts) must be an integer from 0 to 2147483647, got -1"],
  ])("%o: createProvider throws %s", (options, message) => {
    expect(() => createProvider(options)).toThrow(message);
  });
});
