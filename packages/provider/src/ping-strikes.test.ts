import { describe, expect, it } from "vitest";
import { PingStrikes, pingIntervalWithoutCallsMs } from "./ping-strikes.js";

const minute = 60_000;

describe("PingStrikes (grpc-go's enforcement policy)", () => {
  const policy = { permitTimeMs: 5 * minute, permitWithoutCalls: false, maxStrikes: 2 };

  it("judges PINGs during a call by the permitted interval: the third strike is over the limit", () => {
    const p = new PingStrikes(policy);
    expect(p.onPing(0, 1)).toBe(false); // the first PING is free
    expect(p.onPing(5 * minute, 1)).toBe(false); // exactly the permitted interval: no strike
    expect(p.onPing(5 * minute + 1, 1)).toBe(false);
    expect(p.onPing(5 * minute + 2, 1)).toBe(false);
    expect(p.strikes).toBe(2);
    expect(p.onPing(5 * minute + 3, 1)).toBe(true);
  });

  it("judges PINGs with no call by two hours unless keepalive without calls is permitted", () => {
    const strict = new PingStrikes(policy);
    const lenient = new PingStrikes({ ...policy, permitWithoutCalls: true });
    for (const p of [strict, lenient]) p.onPing(0, 0);
    for (let i = 1; i <= 3; i++) {
      strict.onPing(i * 10 * minute, 0);
      lenient.onPing(i * 10 * minute, 0);
    }
    expect(strict.strikes).toBe(3);
    expect(lenient.strikes).toBe(0);
    expect(strict.onPing(3 * 10 * minute + pingIntervalWithoutCallsMs, 0)).toBe(true); // strikes stay until a reset
  });

  it("forgives the strikes and does not judge the next PING once the server sent data", () => {
    const p = new PingStrikes(policy);
    p.onPing(0, 1);
    p.onPing(1, 1);
    p.onPing(2, 1);
    p.reset();
    expect(p.strikes).toBe(0);
    expect(p.onPing(3, 1)).toBe(false);
    expect(p.strikes).toBe(0);
  });

  it("never reports a client over the limit when the strikes allowed are 0", () => {
    const p = new PingStrikes({ ...policy, maxStrikes: 0 });
    for (let t = 0; t < 100; t++) expect(p.onPing(t, 0)).toBe(false);
  });
});
