import { describe, expect, it } from "vitest";
import { encodeSseEvent, parseSseStream } from "./sse.js";

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function all(body: AsyncIterable<Uint8Array>, max = 1024) {
  const out = [];
  for await (const e of parseSseStream(body, max)) out.push(e);
  return out;
}

describe("Server-Sent Events", () => {
  it("encodes Dubbo's framing: data:<json> and a blank line; a named event first", () => {
    expect(new TextDecoder().decode(encodeSseEvent('{"a":1}'))).toBe('data:{"a":1}\n\n');
    expect(new TextDecoder().decode(encodeSseEvent("x\ny", "error"))).toBe("event: error\ndata:x\ndata:y\n\n");
  });

  it("parses events split anywhere across chunks, with LF, CRLF or CR line ends, comments and multi-line data", async () => {
    const events = await all(chunks(": hi\r\nda", 'ta: {"a"', ":1}\r", "\n\r\nevent: error\rdata:x\n", "data:y\n\n"));
    expect(events).toEqual([
      { event: "message", data: '{"a":1}' },
      { event: "error", data: "x\ny" },
    ]);
  });

  it("drops an event the stream ends in the middle of, and bounds an event's size", async () => {
    expect(await all(chunks("data:a\n\ndata:cut"))).toEqual([{ event: "message", data: "a" }]);
    await expect(all(chunks(`data:${"x".repeat(100)}\n\n`), 50)).rejects.toThrow(/larger than 50 bytes/);
  });
});
