import { describe, expect, it } from "vitest";
import { validateHttp1Timeouts } from "./http1-server.js";

describe("validateHttp1Timeouts", () => {
  it("accepts whole milliseconds with the headers limit within the request limit, or either off", () => {
    expect(validateHttp1Timeouts({ headersTimeout: 10, requestTimeout: 10 })).toEqual({
      headersTimeout: 10,
      requestTimeout: 10,
    });
    expect(validateHttp1Timeouts({ headersTimeout: 0, requestTimeout: 5 }).requestTimeout).toBe(5);
    expect(validateHttp1Timeouts({ headersTimeout: 5, requestTimeout: 0 }).headersTimeout).toBe(5);
  });

  it("refuses a headers limit longer than the request limit, and values that are not whole milliseconds", () => {
    expect(() => validateHttp1Timeouts({ headersTimeout: 20, requestTimeout: 10 })).toThrow(
      "headersTimeout (20) must not be longer than requestTimeout (10)",
    );
    expect(() => validateHttp1Timeouts({ headersTimeout: -1, requestTimeout: 10 })).toThrow(/headersTimeout must be/);
    expect(() => validateHttp1Timeouts({ headersTimeout: 1, requestTimeout: 1.5 })).toThrow(/requestTimeout must be/);
  });
});
