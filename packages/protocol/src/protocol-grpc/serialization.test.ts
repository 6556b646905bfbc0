import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { health } from "../index.js";
import { createCodec } from "./serialization.js";

const Schema = health.HealthCheckRequestSchema;

function thrown(f: () => void): ConnectError {
  try {
    f();
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("did not throw");
}

describe("codecs", () => {
  it("binary: round-trips a message and serializes an init shape", () => {
    const codec = createCodec(Schema, "proto");
    const bytes = codec.serialize({ service: "a.B" });
    expect(bytes).toEqual(toBinary(Schema, create(Schema, { service: "a.B" })));
    expect(codec.parse(bytes).service).toBe("a.B");
  });

  it("binary: bytes that are not the message are INTERNAL", () => {
    const e = thrown(() => createCodec(Schema, "proto").parse(new Uint8Array([0xff, 0xff, 0xff])));
    expect(e.code).toBe(Code.Internal);
    expect(e.rawMessage).toMatch(/^parse binary: /);
  });

  it("JSON: round-trips, ignoring unknown fields", () => {
    const codec = createCodec(Schema, "json");
    expect(new TextDecoder().decode(codec.serialize({ service: "a.B" }))).toBe('{"service":"a.B"}');
    expect(codec.parse(new TextEncoder().encode('{"service":"x","extra":1}')).service).toBe("x");
  });

  it("JSON: invalid UTF-8, invalid JSON and JSON that is not the message are INVALID_ARGUMENT", () => {
    const codec = createCodec(Schema, "json");
    const utf8 = thrown(() => codec.parse(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])));
    expect(utf8.code).toBe(Code.InvalidArgument);
    expect(utf8.rawMessage).toMatch(/invalid UTF-8/);
    expect(thrown(() => codec.parse(new TextEncoder().encode('{"service":'))).code).toBe(Code.InvalidArgument);
    expect(thrown(() => codec.parse(new TextEncoder().encode('{"service":5}'))).code).toBe(Code.InvalidArgument);
  });
});
