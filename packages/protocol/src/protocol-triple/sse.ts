/**
 * Server-Sent Events framing of Triple server streaming over HTTP/1.1, as Dubbo Java 3.3 writes it
 * (`Http1SseServerChannelObserver`): the response is `text/event-stream`, each message one event whose `data:` line
 * is the message's JSON, events separated by a blank line. An error that ends the stream after messages went out is
 * one more event, named `error`, whose data is the Triple JSON error body (`errorToJsonBytes`).
 */

/** Content type of a Triple server stream answered as Server-Sent Events. */
export const contentTypeEventStream = "text/event-stream";

/** The name of the event that carries the error ending a stream. */
export const sseErrorEvent = "error";

const encoder = new TextEncoder();

/**
 * Encodes one event. `data` may span lines (each becomes its own `data:` line, as the SSE specification joins them
 * back with `\n`); compact JSON has none.
 */
export function encodeSseEvent(data: string, event?: string): Uint8Array {
  let out = event === undefined ? "" : `event: ${event}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data:${line}\n`;
  return encoder.encode(`${out}\n`);
}

/** One event as a reader sees it: its name (`message` when the server named none) and its data. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a byte stream of Server-Sent Events into events, per the WHATWG event-stream grammar: lines end with LF, CR
 * or CRLF; `data:` lines accumulate (joined with LF), `event:` names the event, a line starting with `:` is a comment,
 * a blank line dispatches; an event with no data line, or one cut off by the end of the stream, is not dispatched. `maxEventBytes` bounds one event's text.
 */
export async function* parseSseStream(body: AsyncIterable<Uint8Array>, maxEventBytes: number): AsyncIterable<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] | undefined;
  let size = 0;
  const takeLine = (line: string): SseEvent | undefined => {
    if (line === "") {
      const done = data === undefined ? undefined : { event: event || "message", data: data.join("\n") };
      event = "";
      data = undefined;
      size = 0;
      return done;
    }
    size += line.length;
    if (size > maxEventBytes) throw new RangeError(`server-sent event larger than ${maxEventBytes} bytes`);
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      data ??= [];
      data.push(value);
    } else if (field === "event") event = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (!m || (m[0] === "\r" && m.index === buffer.length - 1)) break;
      const line = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      const done = takeLine(line);
      if (done) yield done;
    }
    if (buffer.length > maxEventBytes) throw new RangeError(`server-sent event larger than ${maxEventBytes} bytes`);
  }
  // An event not closed by a blank line when the stream ends is discarded, as the specification says.
}
