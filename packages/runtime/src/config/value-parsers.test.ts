import { describe, expect, it } from "vitest";
import {
  booleanValue,
  bytesValue,
  durationValue,
  enumValue,
  hostValue,
  ipListValue,
  isIpOrCidr,
  nameListValue,
  nonNegativeIntegerValue,
  portValue,
  registryAddressValue,
  secondsAsMillisValue,
  textValue,
} from "./value-parsers.js";

describe("value parsers", () => {
  it("booleans: true/false in any case only", () => {
    expect(booleanValue("TRUE")).toEqual({ ok: true, value: true });
    expect(booleanValue(" False ")).toEqual({ ok: true, value: false });
    expect(booleanValue(false)).toEqual({ ok: true, value: false });
    for (const bad of ["maybe", "yes", "1", "0", ""]) expect(booleanValue(bad).ok, bad).toBe(false);
  });

  it("ports: 1-65535, and 0 only when allowed", () => {
    expect(portValue(false)("50052")).toEqual({ ok: true, value: 50052 });
    expect(portValue(false)(65535)).toEqual({ ok: true, value: 65535 });
    expect(portValue(false)("0").ok).toBe(false);
    expect(portValue(true)("0")).toEqual({ ok: true, value: 0 });
    for (const bad of ["70000", "-1", "80.5", "abc", "0x50", "8 0"]) expect(portValue(true)(bad).ok, bad).toBe(false);
    expect(portValue(true)(1.5).ok).toBe(false);
    expect(portValue(false)("x")).toEqual({ ok: false, reason: "expected a port number 1-65535" });
  });

  it("durations, seconds, counts and bytes", () => {
    expect(durationValue("0")).toEqual({ ok: true, value: 0 });
    expect(durationValue(1500)).toEqual({ ok: true, value: 1500 });
    expect(durationValue("-5").ok).toBe(false);
    expect(durationValue("1s").ok).toBe(false);
    expect(secondsAsMillisValue("7")).toEqual({ ok: true, value: 7000 });
    expect(nonNegativeIntegerValue("0")).toEqual({ ok: true, value: 0 });
    expect(nonNegativeIntegerValue("-1").ok).toBe(false);
    expect(bytesValue("1024")).toEqual({ ok: true, value: 1024 });
    expect(bytesValue("0").ok).toBe(false);
    expect(bytesValue("2147483648").ok).toBe(false);
  });

  it("enums are case-insensitive and canonicalised", () => {
    const level = enumValue(["PUBLIC", "PROTECTED", "PRIVATE", "NONE"]);
    expect(level("protected")).toEqual({ ok: true, value: "PROTECTED" });
    expect(level("secret")).toEqual({
      ok: false,
      reason: "expected one of PUBLIC, PROTECTED, PRIVATE, NONE (case-insensitive)",
    });
  });

  it("hosts: IPs (brackets dropped) and host names", () => {
    expect(hostValue("127.0.0.1")).toEqual({ ok: true, value: "127.0.0.1" });
    expect(hostValue("[::1]")).toEqual({ ok: true, value: "::1" });
    expect(hostValue("provider.default.svc.cluster.local")).toEqual({
      ok: true,
      value: "provider.default.svc.cluster.local",
    });
    for (const bad of ["bad host", "host:80", "-x", "a..b"]) expect(hostValue(bad).ok, bad).toBe(false);
  });

  it("IP and CIDR lists", () => {
    expect(isIpOrCidr("10.0.0.0/8")).toBe(true);
    expect(isIpOrCidr("fd00::/128")).toBe(true);
    expect(isIpOrCidr("10.0.0.0/33")).toBe(false);
    expect(isIpOrCidr("fd00::/129")).toBe(false);
    expect(isIpOrCidr("10.0.0.256")).toBe(false);
    expect(isIpOrCidr("10.0.0.*")).toBe(false);
    expect(ipListValue(" 10.0.0.1 , 192.168.0.0/16,,")).toEqual({ ok: true, value: ["10.0.0.1", "192.168.0.0/16"] });
    expect(ipListValue(["::1"])).toEqual({ ok: true, value: ["::1"] });
    expect(ipListValue("10.0.0.1,10.0.0.0/33")).toEqual({
      ok: false,
      reason: 'expected a comma-separated list of IP addresses or CIDR blocks; "10.0.0.0/33" is neither',
    });
  });

  it("command name lists", () => {
    expect(nameListValue("ls, ps,metrics_default")).toEqual({ ok: true, value: ["ls", "ps", "metrics_default"] });
    expect(nameListValue("ls;rm").ok).toBe(false);
  });

  it("text and registry address", () => {
    expect(textValue(" x ")).toEqual({ ok: true, value: "x" });
    expect(textValue(["a"]).ok).toBe(false);
    expect(registryAddressValue("n/a")).toEqual({ ok: true, value: "N/A" });
    expect(registryAddressValue("nacos://x").ok).toBe(false);
  });
});
