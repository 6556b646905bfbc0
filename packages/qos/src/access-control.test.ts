import { describe, expect, it } from "vitest";
import { resolvePeerAccess } from "./access-control.js";
import type { QosLifecycle } from "./index.js";
import { AddressMatcher, isLoopback, normalizePeerAddress } from "./peer-address.js";
import { hasPermission, parsePermissionLevel } from "./permission-level.js";
import { validateQosOptions } from "./qos-options.js";

const lifecycle: QosLifecycle = {
  state: "started",
  probe: async () => ({ ok: true, failed: [] }),
  services: () => [],
  isOnline: () => true,
  setOnline: () => true,
};

function peer(address: string) {
  const normalized = normalizePeerAddress(address);
  if (normalized === undefined) {
    throw new Error(`not an address: ${address}`);
  }
  return normalized;
}

describe("peer addresses", () => {
  it("normalizes mapped IPv4 and zone ids", () => {
    expect(normalizePeerAddress("::ffff:10.1.2.3")).toEqual({ address: "10.1.2.3", family: "ipv4" });
    expect(normalizePeerAddress("fe80::1%eth0")).toEqual({ address: "fe80::1", family: "ipv6" });
    expect(normalizePeerAddress(undefined)).toBeUndefined();
    expect(normalizePeerAddress("nope")).toBeUndefined();
  });

  it("recognizes loopback", () => {
    for (const address of ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"]) {
      expect(isLoopback(peer(address)), address).toBe(true);
    }
    for (const address of ["10.0.0.1", "128.0.0.1", "::2", "::ffff:10.0.0.1"]) {
      expect(isLoopback(peer(address)), address).toBe(false);
    }
  });

  it("matches addresses and CIDR blocks, v4 and v6", () => {
    const matcher = new AddressMatcher([
      "10.213.0.0/16",
      "192.168.1.7",
      "fd00::/8",
      "2001:db8::5",
      "::ffff:172.16.0.0/108",
    ]);
    expect(matcher.matches(peer("10.213.9.2"))).toBe(true);
    expect(matcher.matches(peer("::ffff:10.213.9.2"))).toBe(true);
    expect(matcher.matches(peer("10.214.0.1"))).toBe(false);
    expect(matcher.matches(peer("192.168.1.7"))).toBe(true);
    expect(matcher.matches(peer("192.168.1.8"))).toBe(false);
    expect(matcher.matches(peer("fd12::1"))).toBe(true);
    expect(matcher.matches(peer("fe80::1"))).toBe(false);
    expect(matcher.matches(peer("2001:db8::5"))).toBe(true);
    expect(matcher.matches(peer("172.16.3.4"))).toBe(true);
    expect(matcher.matches(peer("172.32.0.1"))).toBe(false);
  });

  it("rejects bad entries", () => {
    expect(() => new AddressMatcher(["10.0.0.0/33"])).toThrow('invalid prefix length in CIDR "10.0.0.0/33"');
    expect(() => new AddressMatcher(["host.example"])).toThrow('invalid IP address or CIDR "host.example"');
    expect(() => new AddressMatcher(["10.0.0.0/8/1"])).toThrow("invalid IP address or CIDR");
  });
});

describe("peer access", () => {
  it("gives loopback PRIVATE, whitelist PROTECTED, others the anonymous level if accepted", () => {
    const closed = validateQosOptions({ lifecycle, acceptForeignIpWhitelist: "10.0.0.0/8, fd00::/8" });
    expect(resolvePeerAccess("::ffff:127.0.0.1", closed)).toMatchObject({ kind: "loopback", level: "PRIVATE" });
    expect(resolvePeerAccess("10.1.1.1", closed)).toMatchObject({ kind: "whitelisted", level: "PROTECTED" });
    expect(resolvePeerAccess("fd00::9", closed)).toMatchObject({ accepted: true, level: "PROTECTED" });
    expect(resolvePeerAccess("192.0.2.1", closed)).toMatchObject({ kind: "anonymous", accepted: false });
    expect(resolvePeerAccess(undefined, closed)).toMatchObject({ accepted: false, level: "NONE" });

    const open = validateQosOptions({ lifecycle, acceptForeignIp: true, anonymousLevel: "private" });
    expect(resolvePeerAccess("192.0.2.1", open)).toMatchObject({ accepted: true, level: "PRIVATE" });
  });

  it("orders levels and never lets NONE run anything", () => {
    expect(hasPermission("PRIVATE", "PUBLIC")).toBe(true);
    expect(hasPermission("PUBLIC", "PROTECTED")).toBe(false);
    expect(hasPermission("NONE", "NONE")).toBe(false);
    expect(parsePermissionLevel(" protected ")).toBe("PROTECTED");
    expect(parsePermissionLevel("admin")).toBeUndefined();
  });

  it("validates options naming the Dubbo key", () => {
    expect(() => validateQosOptions({ lifecycle, port: 70000 })).toThrow("dubbo.application.qos-port");
    expect(() => validateQosOptions({ lifecycle, anonymousLevel: "root" })).toThrow(
      "dubbo.application.qos-anonymous-access-permission-level",
    );
    expect(() => validateQosOptions({ lifecycle, acceptForeignIpWhitelist: ["x"] })).toThrow(
      'dubbo.application.qos-accept-foreign-ip-whitelist: invalid IP address or CIDR "x"',
    );
    const defaults = validateQosOptions({ lifecycle });
    expect(defaults).toMatchObject({
      port: 22222,
      host: undefined,
      acceptForeignIp: false,
      anonymousLevel: "PUBLIC",
      idleTimeoutMs: 300_000,
      protocolDetectMs: 500,
    });
    expect(defaults.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
