import { describe, expect, it } from "vitest";
import { attachmentsFromHeaders, attachmentsToHeaders } from "./attachments.js";

describe("attachments <-> metadata, as Dubbo 3.3", () => {
  it("lower-cases names, sends bytes as base64 -bin, maps upper-case names in tri-header-convert", () => {
    const h = attachmentsToHeaders({ userId: "u", n: 7, ok: true, blob: new Uint8Array([255, 0]) }, new Headers());
    expect(h.get("userid")).toBe("u");
    expect(h.get("n")).toBe("7");
    expect(h.get("ok")).toBe("true");
    expect(h.get("blob-bin")).toBe("/wA=");
    expect(JSON.parse(decodeURIComponent(h.get("tri-header-convert") ?? ""))).toEqual({ userid: "userId" });
    expect(attachmentsFromHeaders(h)).toEqual({ userId: "u", n: "7", ok: "true", blob: new Uint8Array([255, 0]) });
  });

  it("skips the protocol's own headers both ways; without upper case, no tri-header-convert", () => {
    const h = attachmentsToHeaders(
      { "content-type": "x", "tri-service-version": "9", "grpc-timeout": "1S", a: "b" },
      new Headers(),
    );
    expect([...h.keys()]).toEqual(["a"]);
    h.set("tri-service-group", "g");
    h.set("content-type", "application/json");
    expect(attachmentsFromHeaders(h)).toEqual({ a: "b" });
  });

  it("ignores a malformed tri-header-convert", () => {
    const h = new Headers({ userid: "u", "tri-header-convert": "%7Bnot json" });
    expect(attachmentsFromHeaders(h)).toEqual({ userid: "u" });
  });
});
