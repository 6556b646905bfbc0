import type * as http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { FrameWriter } from "./frame-writer.js";

/** A stand-in for the HTTP/2 stream that records each write. */
function fakeStream() {
  const writes: Buffer[] = [];
  const written: Uint8Array[] = [];
  const stream = {
    destroyed: false,
    write: (b: Uint8Array) => {
      written.push(b);
      writes.push(Buffer.from(b));
    },
  };
  return { stream: stream as unknown as http2.ServerHttp2Stream, writes, written };
}

/** Splits written bytes into gRPC frames: [flags, payload] each. */
function frames(bytes: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at + 1);
    out.push([bytes[at] ?? -1, bytes.subarray(at + 5, at + 5 + length).toString()]);
    at += 5 + length;
  }
  return out;
}

const tick = () => new Promise((r) => process.nextTick(r));
const bytes = (s: string) => new TextEncoder().encode(s);

describe("FrameWriter", () => {
  it("writes the messages added in one run of the microtask queue as one write, in order, each framed", async () => {
    const { stream, writes } = fakeStream();
    const w = new FrameWriter(stream);
    for (const m of ["a", "bb", "ccc"]) {
      w.add(bytes(m));
      await Promise.resolve(); // a handler's yield: a microtask, not a turn of the event loop
    }
    expect(writes).toHaveLength(0);
    await tick();
    expect(writes).toHaveLength(1);
    expect(frames(writes[0] as Buffer)).toEqual([
      [0, "a"],
      [0, "bb"],
      [0, "ccc"],
    ]);
  });

  it("writes a message that comes alone on its own, and each later one after its own tick", async () => {
    const { stream, writes } = fakeStream();
    const w = new FrameWriter(stream);
    w.add(bytes("one"));
    await tick();
    w.add(bytes("two"));
    await tick();
    expect(writes.map(frames)).toEqual([[[0, "one"]], [[0, "two"]]]);
  });

  it("writes at 16 KiB without waiting for the tick, and never splits a message", async () => {
    const { stream, writes } = fakeStream();
    const w = new FrameWriter(stream);
    const big = "x".repeat(1000);
    for (let i = 0; i < 40; i++) w.add(bytes(big));
    expect(writes.length).toBeGreaterThanOrEqual(2);
    for (const out of writes) expect(out.length).toBeLessThanOrEqual(16_384 + 1005);
    await tick();
    expect(writes.flatMap(frames)).toEqual(Array.from({ length: 40 }, () => [0, big]));
  });

  it("writes a message of 16 KiB or more at once, after what is pending, as its prefix and itself (no copy)", async () => {
    const { stream, writes, written } = fakeStream();
    const w = new FrameWriter(stream);
    const huge = "y".repeat(70_000);
    const hugeBytes = bytes(huge);
    w.add(bytes("small"));
    w.add(hugeBytes);
    expect(written).toHaveLength(3); // "small" flushed first, then the prefix and the message itself
    expect(written[2]).toBe(hugeBytes);
    w.add(bytes("after"));
    await tick();
    expect(frames(Buffer.concat(writes))).toEqual([
      [0, "small"],
      [0, huge],
      [0, "after"],
    ]);
  });

  it("flush() writes at once what is pending; nothing is written to a destroyed stream", async () => {
    const { stream, writes } = fakeStream();
    const w = new FrameWriter(stream);
    w.add(bytes("a"));
    w.add(bytes("b"));
    w.flush();
    expect(writes.flatMap(frames)).toEqual([
      [0, "a"],
      [0, "b"],
    ]);
    w.add(bytes("c"));
    (stream as { destroyed: boolean }).destroyed = true;
    await tick();
    expect(writes).toHaveLength(1);
  });
});
