import { describe, expect, it } from "vitest";
import { parseProperties } from "./properties-file.js";

describe("parseProperties", () => {
  it("reads = and : separators, comments, blank lines and trims", () => {
    const text = [
      "# a comment",
      "! another comment",
      "",
      "dubbo.application.name = greeter ",
      "   dubbo.protocol.port:50053",
      "dubbo.protocol.name  tri",
      "dubbo.consumer.timeout\t=\t2000\t",
      "dubbo.application.version=",
      "  # indented comment",
    ].join("\n");
    const { entries, errors } = parseProperties(text);
    expect(errors).toEqual([]);
    expect(entries).toEqual([
      { key: "dubbo.application.name", value: "greeter", line: 4 },
      { key: "dubbo.protocol.port", value: "50053", line: 5 },
      { key: "dubbo.protocol.name", value: "tri", line: 6 },
      { key: "dubbo.consumer.timeout", value: "2000", line: 7 },
      { key: "dubbo.application.version", value: "", line: 8 },
    ]);
  });

  it("handles CRLF, continuations and escapes", () => {
    const text = "a=1\r\nlist=10.0.0.1,\\\r\n    10.0.0.2\r\nk\\=x=v\\u0041\\t!\r\nb = c=d\r\n";
    const { entries } = parseProperties(text);
    expect(entries).toEqual([
      { key: "a", value: "1", line: 1 },
      { key: "list", value: "10.0.0.1,10.0.0.2", line: 2 },
      { key: "k=x", value: "vA\t!", line: 4 },
      { key: "b", value: "c=d", line: 5 },
    ]);
  });

  it("does not continue comment lines and keeps a value starting with #", () => {
    const { entries } = parseProperties("# comment \\\nx=#not-a-comment\n");
    expect(entries).toEqual([{ key: "x", value: "#not-a-comment", line: 2 }]);
  });

  it("reports a malformed unicode escape with its line", () => {
    const { entries, errors } = parseProperties("ok=1\nbad=\\u12\n");
    expect(entries).toEqual([{ key: "ok", value: "1", line: 1 }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(2);
    expect(errors[0]?.message).toContain("\\u");
  });
});
