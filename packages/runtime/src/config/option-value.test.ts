import { describe, expect, it } from "vitest";
import { checkedOption, defaultOf, optionValue } from "./option-value.js";
import { SCHEMA } from "./schema.js";
import { durationValue } from "./value-parsers.js";

describe("options given in code, checked by their Dubbo key", () => {
  it("defaultOf is the schema's default", () => {
    expect(defaultOf("dubbo.protocol.max-message-size")).toBe(4 * 1024 * 1024);
    expect(defaultOf("dubbo.consumer.timeout")).toBe(SCHEMA["dubbo.consumer.timeout"].defaultValue);
    expect(defaultOf("dubbo.protocol.host")).toBeUndefined();
  });

  it("not given: the key's default; given and good: the value, as the key's parser returns it", () => {
    expect(optionValue("readMaxBytes", "dubbo.protocol.max-message-size", undefined)).toBe(4_194_304);
    expect(optionValue("readMaxBytes", "dubbo.protocol.max-message-size", 1024)).toBe(1024);
    expect(optionValue("balancing", "dubbo.consumer.balancing", "CLIENT")).toBe("client");
    expect(optionValue("fallbackToDefault", "dubbo.tri.resolve-fallback-to-default", false)).toBe(false);
  });

  it("given and bad: an error naming the option, the key and the value", () => {
    expect(() => optionValue("readMaxBytes", "dubbo.protocol.max-message-size", -1)).toThrow(
      "readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got -1",
    );
    expect(() => optionValue("timeout", "dubbo.consumer.timeout", 1.5)).toThrow(
      "timeout (dubbo.consumer.timeout) must be a non-negative integer number of milliseconds, got 1.5",
    );
    expect(() => optionValue("meshEnable", "dubbo.consumer.mesh-enable", "yes")).toThrow(
      'meshEnable (dubbo.consumer.mesh-enable) must be true or false, got "yes"',
    );
    expect(() => optionValue("balancing", "dubbo.consumer.balancing", "sidecar")).toThrow(
      'balancing (dubbo.consumer.balancing) must be one of mesh, client (case-insensitive), got "sidecar"',
    );
  });

  it("an option without a key: its own name, parser and fallback", () => {
    expect(checkedOption("resolveIntervalMs", durationValue, undefined, 30_000)).toBe(30_000);
    expect(checkedOption("resolveIntervalMs", durationValue, 5, 30_000)).toBe(5);
    expect(() => checkedOption("resolveIntervalMs", durationValue, Number.NaN, 30_000)).toThrow(
      "resolveIntervalMs must be a non-negative integer number of milliseconds, got NaN",
    );
  });
});
