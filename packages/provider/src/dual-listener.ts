import type * as Http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

// node:http through process.getBuiltinModule, not an import: the ES module facade of node:http reads every export,
// and one of them loads Node's bundled undici (fetch) — ~40 ms of every start-up, for nothing used here.
const http: typeof Http = process.getBuiltinModule("node:http");

const preface = Buffer.from("PRI * HTTP/2.0\r\n");

/** The HTTP/1.1 and HTTP/2 servers behind one port, plus the TCP listener that sorts connections between them. */
export interface DualServer {
  readonly tcp: net.Server;
  readonly h1: Http.Server;
  readonly h2: http2.Http2Server;
}

type Listener = (
  req: Http.IncomingMessage | http2.Http2ServerRequest,
  res: Http.ServerResponse | http2.Http2ServerResponse,
) => void;

function ignoreStreamError(): void {}

/** Takes an HTTP/2 stream before the general path sees it; returns true when it handled the stream. */
export type StreamHook = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/**
 * Creates a listener that serves cleartext HTTP/2 with prior knowledge (h2c, what every gRPC client speaks) and
 * HTTP/1.1 (Triple HTTP unary, curl) on the same port: it reads the first bytes of each connection and hands it to
 * the HTTP/2 server when they are the HTTP/2 connection preface, to the HTTP/1.1 server otherwise.
 */
export function createDualServer(
  listener: Listener,
  hook?: StreamHook,
  h2Options: http2.ServerOptions = {},
): DualServer {
  // No request listener: streams arrive here first; only those the hook declines get Node's compatibility
  // request/response objects (built as Node's own compat layer builds them) and go to the general path.
  const h2 = http2.createServer(h2Options);
  h2.on("stream", (stream, headers, _flags, rawHeaders) => {
    // A peer that resets its connection makes Node emit ECONNRESET on every open stream; unhandled, that would end
    // the process. The stream's 'close' is what the handlers act on (as a cancellation), so the error itself is
    // dropped here — as Node's compatibility layer does for its requests.
    stream.on("error", ignoreStreamError);
    if (hook?.(stream, headers)) return;
    const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders as unknown as string[]);
    const res = new http2.Http2ServerResponse(stream);
    listener(req, res);
  });
  const h1 = http.createServer(listener);
  const tcp = net.createServer((socket) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, preface.length);
      const isH2 = head.subarray(0, n).equals(preface.subarray(0, n));
      if (isH2 && head.length < preface.length) return; // could still be either: read on
      socket.off("data", onData);
      socket.off("error", onEarlyError);
      socket.pause();
      socket.unshift(head);
      if (isH2) {
        // The HTTP/2 session reads what was unshifted on the next tick; resuming now would drop it.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    const onEarlyError = () => socket.destroy();
    socket.on("data", onData);
    socket.on("error", onEarlyError);
  });
  return { tcp, h1, h2 };
}
