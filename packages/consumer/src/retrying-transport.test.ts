import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { defaultBackoff } from "./backoff.js";
import { type Call, type CallTransport, deadlineOf, newAttempt, timeLeftMs } from "./call.js";
import { createRetryingTransport } from "./retrying-transport.js";

const method = { name: "Greet", localName: "greet", idempotency: 0 } as unknown as DescMethodUnary;

/** A call of `method` with `timeoutMs` (undefined = no deadline). */
function call(timeoutMs: number | undefined): Call<DescMethodUnary> {
  return {
    method,
    ...deadlineOf(timeoutMs, undefined),
    signal: undefined,
    header: undefined,
    contextValues: undefined,
    codec: "proto",
  };
}

/**
 * A transport whose attempts fail or succeed as `script` says, reporting how far each got ("refused": the provider
 * refused it; "unavailable": it reached the provider, which answered UNAVAILABLE), recording the time each had left.
 */
function scripted(script: ("refused" | "unavailable" | "ok")[]) {
  const left: (number | undefined)[] = [];
  const inner = {
    async unary(c: Call, _input: unknown, attempt: { progress: string }) {
      left.push(timeLeftMs(c));
      const step = script[left.length - 1] ?? script.at(-1);
      attempt.progress = step === "refused" ? "refused" : "processed";
      if (step === "ok") return { message: { ok: true } };
      throw new ConnectError(step ?? "?", step === "refused" ? Code.Internal : Code.Unavailable);
    },
  } as unknown as CallTransport;
  return { inner, left };
}

const policy = (p: Partial<Parameters<typeof createRetryingTransport>[1]> = {}) => ({
  retries: 2,
  transparent: true,
  isIdempotent: () => false,
  backoff: { ...defaultBackoff, random: () => 0 },
  ...p,
});

describe("createRetryingTransport", () => {
  it("retries a refused attempt and returns the success", async () => {
    const { inner, left } = scripted(["refused", "refused", "ok"]);
    const res = await createRetryingTransport(inner, policy()).unary(call(1000), {}, newAttempt());
    expect(res.message).toEqual({ ok: true });
    expect(left).toHaveLength(3);
  });

  it("gives up after `retries` and surfaces the last failure as UNAVAILABLE", async () => {
    const { inner, left } = scripted(["refused"]);
    const t = createRetryingTransport(inner, policy({ retries: 1 }));
    await expect(t.unary(call(1000), {}, newAttempt())).rejects.toMatchObject({ code: Code.Unavailable });
    expect(left).toHaveLength(3); // the first, its transparent retry (the first refusal), the one retry
  });

  it("retries the first refusal transparently, also with retries: 0, once, at once", async () => {
    const twice = scripted(["refused", "ok"]);
    await expect(
      createRetryingTransport(twice.inner, policy({ retries: 0 })).unary(call(1000), {}, newAttempt()),
    ).resolves.toMatchObject({ message: { ok: true } });
    expect(twice.left).toHaveLength(2);
    const always = scripted(["refused"]);
    await expect(
      createRetryingTransport(always.inner, policy({ retries: 0 })).unary(call(1000), {}, newAttempt()),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(always.left).toHaveLength(2);
    const reached = scripted(["unavailable", "ok"]); // reached the provider: not transparent
    await expect(
      createRetryingTransport(reached.inner, policy({ retries: 0 })).unary(call(1000), {}, newAttempt()),
    ).rejects.toMatchObject({ code: Code.Unavailable });
    expect(reached.left).toHaveLength(1);
  });

  it("a failure that may have been delivered is retried only when idempotent", async () => {
    const once = scripted(["unavailable", "ok"]);
    await expect(
      createRetryingTransport(once.inner, policy()).unary(call(1000), {}, newAttempt()),
    ).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    expect(once.left).toHaveLength(1);
    const idem = scripted(["unavailable", "ok"]);
    const t = createRetryingTransport(idem.inner, policy({ isIdempotent: () => true }));
    await expect(t.unary(call(1000), {}, newAttempt())).resolves.toMatchObject({ message: { ok: true } });
    expect(idem.left).toHaveLength(2);
  });

  it("each attempt runs within the one deadline; none left -> DEADLINE_EXCEEDED naming the budget", async () => {
    const { inner, left } = scripted(["refused"]);
    const t = createRetryingTransport(
      inner,
      policy({ retries: 100, backoff: { ...defaultBackoff, random: () => 1, capMs: 40 } }),
    );
    const e = await t.unary(call(150), {}, newAttempt()).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: Code.DeadlineExceeded });
    expect((e as ConnectError).rawMessage).toMatch(/^deadline of 150 ms exceeded after \d+ attempts?; last attempt: /);
    expect(left[0]).toBeLessThanOrEqual(150);
    // The transparent retry of the first refusal goes at once; every later one after a backoff wait.
    expect(left[1]).toBeLessThanOrEqual(left[0] ?? 0);
    for (let i = 2; i < left.length; i++) expect(left[i]).toBeLessThan(left[i - 1] ?? 0);
  });

  it("no deadline: every attempt has none", async () => {
    const { inner, left } = scripted(["refused", "ok"]);
    await createRetryingTransport(inner, policy()).unary(call(0), {}, newAttempt());
    expect(left).toEqual([undefined, undefined]);
  });
});
