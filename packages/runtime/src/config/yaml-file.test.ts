import { describe, expect, it } from "vitest";
import { parseYamlConfig } from "./yaml-file.js";

describe("parseYamlConfig", () => {
  it("flattens nested maps to dotted keys with lines, all values as text", () => {
    const text = [
      "dubbo:",
      "  application:",
      "    name: greeter",
      "    qosEnable: false",
      "    qos-accept-foreign-ip-whitelist: [10.0.0.1, '192.168.0.0/16']",
      "  protocol:",
      "    port: 50053",
      "    host:",
      "    name: ~",
      "server:",
      "  port: 8080",
    ].join("\n");
    const { entries, errors } = parseYamlConfig(text);
    expect(errors).toEqual([]);
    expect(entries).toEqual([
      { key: "dubbo.application.name", value: "greeter", line: 3 },
      { key: "dubbo.application.qosEnable", value: "false", line: 4 },
      { key: "dubbo.application.qos-accept-foreign-ip-whitelist", value: ["10.0.0.1", "192.168.0.0/16"], line: 5 },
      { key: "dubbo.protocol.port", value: "50053", line: 7 },
      { key: "dubbo.protocol.host", value: "", line: 8 },
      { key: "dubbo.protocol.name", value: "", line: 9 },
      { key: "server.port", value: "8080", line: 11 },
    ]);
  });

  it("accepts Spring-style flat keys and block sequences", () => {
    const text = "dubbo.application.name: flat\ndubbo.application.qos-anonymous-allow-commands:\n  - ls\n  - ps\n";
    expect(parseYamlConfig(text).entries).toEqual([
      { key: "dubbo.application.name", value: "flat", line: 1 },
      { key: "dubbo.application.qos-anonymous-allow-commands", value: ["ls", "ps"], line: 3 },
    ]);
  });

  it("resolves aliases", () => {
    const text = "base: &p 50060\ndubbo:\n  protocol:\n    port: *p\n";
    expect(parseYamlConfig(text).entries).toContainEqual({ key: "dubbo.protocol.port", value: "50060", line: 1 });
  });

  it("treats an empty document as no entries", () => {
    expect(parseYamlConfig("")).toEqual({ entries: [], errors: [] });
    expect(parseYamlConfig("# only a comment\n")).toEqual({ entries: [], errors: [] });
  });

  it("reports syntax errors and a non-map top level with lines", () => {
    const broken = parseYamlConfig("dubbo:\n  protocol:\n    port: [1, 2\n");
    expect(broken.entries).toEqual([]);
    expect(broken.errors.length).toBeGreaterThan(0);
    const duplicate = parseYamlConfig("a: 1\na: 2\n");
    expect(duplicate.errors[0]?.line).toBe(2);
    const list = parseYamlConfig("- a\n- b\n");
    expect(list.errors).toEqual([{ line: 1, message: "expected a map at the top level" }]);
  });
});
