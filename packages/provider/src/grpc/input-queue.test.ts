import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { InputQueue } from "./input-queue.js";

function flowLog() {
  const log: string[] = [];
  return { log, flow: { hold: () => log.push("hold"), release: () => log.push("release") } };
}

describe("InputQueue", () => {
  it("hands pushed messages to the reader in order, then ends", async () => {
    const { flow } = flowLog();
    const q = new InputQueue<number>(flow);
    q.push(1);
    q.push(2);
    q.end();
    const got: number[] = [];
    for await (const m of q) got.push(m);
    expect(got).toEqual([1, 2]);
  });

  it("resolves a reader that waits as soon as a message comes", async () => {
    const q = new InputQueue<string>(flowLog().flow);
    const next = q.next();
    q.push("a");
    expect(await next).toEqual({ value: "a", done: false });
  });

  it("holds the producer at highWater waiting messages and releases it at half", async () => {
    const { log, flow } = flowLog();
    const q = new InputQueue<number>(flow, 4);
    for (let i = 0; i < 6; i++) q.push(i);
    expect(log).toEqual(["hold"]);
    await q.next();
    await q.next();
    await q.next();
    expect(log).toEqual(["hold"]);
    await q.next(); // 2 left = half of 4
    expect(log).toEqual(["hold", "release"]);
  });

  it("fail() drops what waits and makes the next read throw the call's error", async () => {
    const q = new InputQueue<number>(flowLog().flow);
    q.push(1);
    const error = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    q.fail(error);
    await expect(q.next()).rejects.toBe(error);
    const waiting = new InputQueue<number>(flowLog().flow);
    const pending = waiting.next();
    waiting.fail(error);
    await expect(pending).rejects.toBe(error);
  });

  it("a reader that breaks out releases a held producer, and later messages are dropped", async () => {
    const { log, flow } = flowLog();
    const q = new InputQueue<number>(flow, 2);
    q.push(1);
    q.push(2);
    for await (const _ of q) break;
    expect(log).toEqual(["hold", "release"]);
    q.push(3);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
