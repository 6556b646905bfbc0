import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel as Level } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { idempotencyOf } from "./idempotency.js";

const method = (name: string, idempotency = Level.IDEMPOTENCY_UNKNOWN) =>
  ({ name, localName: name.charAt(0).toLowerCase() + name.slice(1), idempotency }) as DescMethod;

describe("idempotencyOf", () => {
  it("false / absent: no method, unless its proto says so", () => {
    expect(idempotencyOf()(method("Greet"))).toBe(false);
    expect(idempotencyOf(false)(method("Get", Level.NO_SIDE_EFFECTS))).toBe(true);
    expect(idempotencyOf(false)(method("Put", Level.IDEMPOTENT))).toBe(true);
  });
  it("true: every method", () => {
    expect(idempotencyOf(true)(method("Greet"))).toBe(true);
  });
  it("names: the proto name or the local name", () => {
    const test = idempotencyOf(["Greet", "lookUp"]);
    expect(test(method("Greet"))).toBe(true);
    expect(test(method("LookUp"))).toBe(true);
    expect(test(method("Delete"))).toBe(false);
  });
});
