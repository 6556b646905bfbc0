import { describe, expect, it } from "vitest";
import { serviceKey } from "./service-key.js";
import { ServiceTable } from "./service-table.js";

describe("ServiceTable", () => {
  it("looks up exact keys, then the unversioned registration, then the only one", () => {
    const t = new ServiceTable<string>();
    t.add(serviceKey("a.S", "1.0.0"), "v1");
    expect(t.lookup("a.S", "1.0.0", "", true)?.value).toBe("v1");
    expect(t.lookup("a.S", "", "", true)).toMatchObject({ value: "v1", match: "only" });
    expect(t.lookup("a.S", "", "", false)).toBeUndefined();
    expect(t.lookup("a.S", "2.0.0", "", true)).toBeUndefined();
    t.add(serviceKey("a.S"), "default");
    expect(t.lookup("a.S", "2.0.0", "", true)).toMatchObject({ value: "default", match: "default" });
    expect(t.lookup("b.S", "", "", true)).toBeUndefined();
  });

  it("never confuses keys that would collide when concatenated", () => {
    const t = new ServiceTable<string>();
    t.add(serviceKey("a.S", "1", "0.0"), "x");
    t.add(serviceKey("a.S", "1.0", "0"), "y");
    expect(t.lookup("a.S", "1", "0.0", false)?.value).toBe("x");
    expect(t.lookup("a.S", "1.0", "0", false)?.value).toBe("y");
    expect(t.lookup("a.S", "10", "0", false)).toBeUndefined();
  });

  it("refuses a duplicate registration, naming it", () => {
    const t = new ServiceTable<string>();
    t.add(serviceKey("a.S", "1", "g"), "x");
    expect(() => t.add(serviceKey("a.S", "1", "g"), "y")).toThrow("a.S version=1 group=g is already registered");
    expect(t.services()).toEqual(["a.S"]);
    expect([...t.entries()].map((e) => e.value)).toEqual(["x"]);
  });
});
