import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { currentAttempt } from "./attempt-facts.js";
import { defaultBackoff } from "./backoff.js";
import { createRetryingTransport } from "./retrying-transport.js";

const method = { name: "Greet", localName: "greet", idempotency: 0 } as unknown as DescMethodUnary;

/** A transport whose attempts fail or succeed as `script` says, recording each attempt's timeout. */
function scripted(script: ("refused" | "unavailable" | "ok")[]) {
  const timeouts: (number | undefined)[] = [];
  const inner = {
    async unary(_m: unknown, _s: unknown, timeoutMs: number | undefined) {
      timeouts.push(timeoutMs);
      const step = script[timeouts.length - 1] ?? script.at(-1);
      const facts = currentAttempt();
      if (facts) facts.streamOpened = true;
      if (step === "refused" && facts) facts.refused = "rst-stream";
      if (step === "ok") return { message: { ok: true } };
      throw new ConnectError(step ?? "?", step === "refused" ? Code.Internal : Code.Unavailable);
    },
  } as unknown as Transport;
  return { inner, timeouts };
}

const policy = (p: Partial<Parameters<typeof createRetryingTransport>[1]> = {}) => ({
  retries: 2,
  isIdempotent: () => false,
  defaultTimeoutMs: 1000,
  backoff: { ...defaultBackoff, random: () => 0 },
  ...p,
});

describe("createRetryingTransport", () => {
  it("retries a refused attempt and returns the success", async () => {
    const { inner, timeouts } = scripted(["refused", "refused", "ok"]);
    const res = await createRetryingTransport(inner, policy()).unary(method, undefined, undefined, undefined, {});
    expect(res.message).toEqual({ ok: true });
    expect(timeouts).toHaveLength(3);
  });

  it("gives up after `retries` and surfaces the last failure as UNAVAILABLE", async () => {
    const { inner, timeouts } = scripted(["refused"]);
    const t = createRetryingTransport(inner, policy({ retries: 1 }));
    await expect(t.unary(method, undefined, undefined, undefined, {})).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    expect(timeouts).toHaveLength(2);
  });

  it("a failure that may have been delivered is retried only when idempotent", async () => {
    const once = scripted(["unavailable", "ok"]);
    await expect(
      createRetryingTransport(once.inner, policy()).unary(method, undefined, undefined, undefined, {}),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(once.timeouts).toHaveLength(1);
    const idem = scripted(["unavailable", "ok"]);
    const t = createRetryingTransport(idem.inner, policy({ isIdempotent: () => true }));
    await expect(t.unary(method, undefined, undefined, undefined, {})).resolves.toBeDefined();
  });

  it("each attempt gets the rest of the call's deadline; none left -> DEADLINE_EXCEEDED", async () => {
    const { inner, timeouts } = scripted(["refused"]);
    const t = createRetryingTransport(
      inner,
      policy({ retries: 100, backoff: { ...defaultBackoff, random: () => 1, capMs: 40 } }),
    );
    const started = Date.now();
    const e = await t.unary(method, undefined, 150, undefined, {}).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: Code.DeadlineExceeded });
    expect(Date.now() - started).toBeLessThan(400);
    expect(timeouts[0]).toBe(150);
    for (let i = 1; i < timeouts.length; i++) expect(timeouts[i]).toBeLessThan(timeouts[i - 1] ?? 0);
  });

  it("no deadline (timeout 0) passes 0 through: the inner transport sets none", async () => {
    const { inner, timeouts } = scripted(["ok"]);
    await createRetryingTransport(inner, policy()).unary(method, undefined, 0, undefined, {});
    expect(timeouts).toEqual([0]);
  });
});
