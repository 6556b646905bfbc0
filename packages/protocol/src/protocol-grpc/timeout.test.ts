import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { encodeTimeout, parseTimeout } from "./timeout.js";

describe("grpc-timeout", () => {
  it("parses every unit", () => {
    expect(parseTimeout("2H")).toBe(7_200_000);
    expect(parseTimeout("3M")).toBe(180_000);
    expect(parseTimeout("5S")).toBe(5000);
    expect(parseTimeout("200m")).toBe(200);
    expect(parseTimeout("1500u")).toBe(1.5);
    expect(parseTimeout("3000000n")).toBeCloseTo(3);
    expect(parseTimeout("99999999m")).toBe(99_999_999);
    expect(parseTimeout("0m")).toBe(0);
    expect(parseTimeout(undefined)).toBeUndefined();
  });

  it.each(["", "m", "100", "100x", "1.5S", "-1S", "123456789m", " 1S", "1 S"])(
    "rejects %j with INVALID_ARGUMENT naming the value",
    (value) => {
      let error: unknown;
      try {
        parseTimeout(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toContain(`"${value}"`);
    },
  );

  it("encodes ms within 8 digits, rounding up, and reads back at least what was asked", () => {
    expect(encodeTimeout(200)).toBe("200m");
    expect(encodeTimeout(0.2)).toBe("1m");
    expect(encodeTimeout(-5)).toBe("1m");
    expect(encodeTimeout(99_999_999)).toBe("99999999m");
    expect(encodeTimeout(100_000_000)).toBe("100000S");
    expect(encodeTimeout(1e12)).toBe("16666667M");
    expect(encodeTimeout(1e20)).toBe("99999999H");
    for (const ms of [1, 999, 123_456_789, 9e11]) expect(parseTimeout(encodeTimeout(ms))).toBeGreaterThanOrEqual(ms);
  });
});
