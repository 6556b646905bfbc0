import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { copyMaxBytes, EnvelopeReader, flagCompressed, frameMessage, writeMessage } from "./envelope.js";

function collect(readMaxBytes = 1024) {
  const got: [string, number][] = [];
  const reader = new EnvelopeReader(readMaxBytes, (data, flags) => got.push([Buffer.from(data).toString(), flags]));
  return { reader, got };
}

function thrown(f: () => void): ConnectError {
  try {
    f();
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("did not throw");
}

describe("frameMessage", () => {
  it("prefixes flags and the big-endian length", () => {
    expect([...frameMessage(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
    expect([...frameMessage(new Uint8Array(0), flagCompressed)]).toEqual([1, 0, 0, 0, 0]);
  });
});

describe("writeMessage", () => {
  it("frames a small message into one write, and writes a large one as its prefix and itself: the same bytes", () => {
    const written: Uint8Array[] = [];
    const out = { write: (chunk: Uint8Array) => written.push(chunk) };
    writeMessage(out, new Uint8Array([7, 8, 9]), flagCompressed);
    expect(written.map((c) => [...c])).toEqual([[1, 0, 0, 0, 3, 7, 8, 9]]);
    written.length = 0;
    const large = new Uint8Array(copyMaxBytes).fill(6);
    writeMessage(out, large);
    expect(written).toHaveLength(2);
    expect(written[1]).toBe(large);
    expect(Buffer.concat(written)).toEqual(frameMessage(large));
  });
});

describe("EnvelopeReader", () => {
  it("reads several messages of one chunk, in order, empty ones included", () => {
    const { reader, got } = collect();
    reader.push(
      Buffer.concat([
        frameMessage(Buffer.from("a")),
        frameMessage(Buffer.alloc(0)),
        frameMessage(Buffer.from("ccc"), 1),
      ]),
    );
    reader.end();
    expect(got).toEqual([
      ["a", 0],
      ["", 0],
      ["ccc", 1],
    ]);
    expect(reader.messages).toBe(3);
  });

  it("hands a message that lies inside one chunk on as a view of it, without a copy", () => {
    const chunk = frameMessage(Buffer.from("view"));
    let seen: Uint8Array | undefined;
    new EnvelopeReader(100, (data) => {
      seen = data;
    }).push(chunk);
    expect(seen?.buffer).toBe(chunk.buffer);
  });

  it("assembles messages cut at every byte boundary (prefix and body split over chunks)", () => {
    const bytes = Buffer.concat([frameMessage(Buffer.from("hello")), frameMessage(Buffer.from("world!"))]);
    for (let size = 1; size <= bytes.length; size++) {
      const { reader, got } = collect();
      for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
      reader.end();
      expect(got.map(([s]) => s)).toEqual(["hello", "world!"]);
    }
  });

  it("checks the declared length against the limit as soon as the prefix is complete, before the body comes", () => {
    const { reader, got } = collect(10);
    const prefix = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]); // 4 GiB announced, nothing sent
    reader.push(prefix.subarray(0, 3));
    const error = thrown(() => reader.push(prefix.subarray(3)));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toBe("message size 4294967295 is larger than configured readMaxBytes 10");
    expect(got).toEqual([]);
  });

  it("accepts a message of exactly the limit", () => {
    const { reader, got } = collect(4);
    reader.push(frameMessage(Buffer.from("four")));
    expect(got).toEqual([["four", 0]]);
  });

  it("reports a stream that ends inside a message as INTERNAL, saying how far it got", () => {
    const { reader } = collect();
    reader.push(frameMessage(Buffer.alloc(100)).subarray(0, 15));
    const error = thrown(() => reader.end());
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toMatch(/incomplete envelope.*10 of 100 bytes/);

    const second = collect();
    second.reader.push(Buffer.from([0, 0]));
    expect(thrown(() => second.reader.end()).rawMessage).toMatch(/2 of 5 bytes of a message prefix/);
  });
});
