import { describe, expect, it } from "vitest";
import { referenceTarget, targetName } from "./reference-target.js";
import { parseDnsTarget, parseTargetList } from "./target.js";

const ctx = { meshEnable: false, env: { POD_NAMESPACE: "demo" } };

describe("target parsing", () => {
  it("a list: one scheme, comma-separated hosts, each with its own port or 50052", () => {
    expect(parseTargetList("tri://10.0.0.1:1,10.0.0.2,[::1]:3").map(String)).toEqual([
      "http://10.0.0.1:1/",
      "http://10.0.0.2:50052/",
      "http://[::1]:3/",
    ]);
    expect(() => parseTargetList("tri://a:1,,b:2")).toThrow(/empty host/);
  });

  it("dns:///name:port and dns:name", () => {
    expect(parseDnsTarget("dns:///greeter.demo.svc.cluster.local:7")?.href).toBe(
      "http://greeter.demo.svc.cluster.local:7/",
    );
    expect(parseDnsTarget("dns:greeter")?.href).toBe("http://greeter:50052/");
    expect(parseDnsTarget("tri://greeter:1")).toBeUndefined();
    expect(() => parseDnsTarget("dns://8.8.8.8/greeter")).toThrow(/not supported/);
  });
});

describe("referenceTarget: the resolver follows the address", () => {
  const kind = (ref: object, balancing?: "mesh" | "client") =>
    referenceTarget("greet.v1.GreeterService", ref, { ...ctx, balancing }).kind;
  it("one host -> single; a list -> static; dns: -> dns", () => {
    expect(kind({ url: "tri://a:1" })).toBe("single");
    expect(kind({ url: "tri://a:1,b:2" })).toBe("static");
    expect(kind({ url: "dns:///a:1" })).toBe("dns");
    expect(kind({ url: "tri://a:1" }, "client")).toBe("single");
  });
  it("providedBy: single in mesh balancing (default), dns with client balancing; the reference's choice wins", () => {
    expect(kind({ providedBy: "p" })).toBe("single");
    expect(kind({ providedBy: "p" }, "client")).toBe("dns");
    expect(kind({ providedBy: "p", balancing: "mesh" }, "client")).toBe("single");
    expect(kind({ providedBy: "p", balancing: "client" })).toBe("dns");
    const t = referenceTarget("s", { providedBy: "p", balancing: "client" }, ctx);
    expect(targetName(t)).toBe("p.demo.svc.cluster.local:50052");
  });
  it("a bad address names the service", () => {
    expect(() => referenceTarget("greet.v1.GreeterService", { url: "tri://a:1,b:99999" }, ctx)).toThrow(
      /greet\.v1\.GreeterService: invalid reference url/,
    );
  });
});
