import type * as Http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type * as tls from "node:tls";
import { createHttp1Server, type Http1Timeouts } from "@dubbo-mesh/runtime";
import type { Admission } from "./admission.js";
import { type ConnectionFront, refuseConnection, tlsHandshakeByte } from "./tls-listener.js";

const preface = Buffer.from("PRI * HTTP/2.0\r\n");

/**
 * The HTTP/1.1 and HTTP/2 servers behind one port, plus the TCP listener that sorts connections between them and,
 * with TLS, the TLS server that terminates them first.
 */
export interface DualServer {
  readonly tcp: net.Server;
  readonly h1: Http.Server;
  readonly h2: http2.Http2Server;
  readonly tls: tls.Server | undefined;
  /** Streams of an HTTP/2 session not closed yet (calls in progress on the connection, whatever their protocol). */
  openStreams(session: http2.ServerHttp2Session): number;
}

/** Where a session carries the count of its open streams. */
const kStreams = Symbol("dubbo-mesh.sessionStreams");

/** The open streams of a session, and the two 'close' listeners every stream of it shares (no closure per stream). */
interface SessionStreams {
  open: number;
  /** A stream closed. */
  readonly closed: () => void;
  /** A stream admission control counted closed: one listener does both (a stream's listeners cost per stream). */
  readonly closedCounted: () => void;
}

interface CountedSession extends http2.ServerHttp2Session {
  [kStreams]?: SessionStreams;
}

function sessionStreams(session: CountedSession, admission: Admission | undefined): SessionStreams {
  let streams = session[kStreams];
  if (!streams) {
    const s: SessionStreams = {
      open: 0,
      closed: () => {
        s.open--;
      },
      closedCounted: () => {
        s.open--;
        admission?.release();
      },
    };
    streams = s;
    session[kStreams] = s;
  }
  return streams;
}

type Listener = (
  req: Http.IncomingMessage | http2.Http2ServerRequest,
  res: Http.ServerResponse | http2.Http2ServerResponse,
) => void;

function ignoreStreamError(): void {}

/** Takes an HTTP/2 stream before the general path sees it; returns true when it handled the stream. */
export type StreamHook = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/** Options of `createDualServer`. */
export interface DualServerOptions {
  /** Options of the HTTP/2 server. Default Node's. */
  h2?: http2.ServerOptions;
  /**
   * Limits of the HTTP/1.1 server (`dubbo.protocol.headers-timeout`, `dubbo.protocol.request-timeout`); the
   * headers limit also bounds how long a new connection may take to send the first bytes that tell the protocols
   * apart. Default 10000 and 60000 ms.
   */
  h1?: Http1Timeouts;
  /** TLS in front of both servers, or not (see `ConnectionFront`). Default cleartext. */
  front?: ConnectionFront;
  /** Admission control, asked about every stream and request before anything serves it. Default none. */
  admission?: Admission;
}

/**
 * Creates a listener that serves HTTP/2 (what every gRPC client speaks) and HTTP/1.1 (Triple HTTP unary, curl) on the
 * same port. Whatever accepts a connection ends by handing it to the same two servers, so the same stream hook and
 * request listener serve every call:
 * - cleartext (no `front.tls`): the first bytes sort it — the HTTP/2 connection preface (h2c with prior knowledge)
 *   to the HTTP/2 server, anything else to the HTTP/1.1 server; a TLS handshake is refused;
 * - TLS (`front.tls`): a connection starting with a TLS handshake (0x16) goes to the TLS server, and once secure, by
 *   its ALPN protocol, `h2` to the HTTP/2 server and `http/1.1` or none to the HTTP/1.1 server; a cleartext one is
 *   refused — or, when `front.permissive`, sorted as above.
 */
export function createDualServer(listener: Listener, hook?: StreamHook, options: DualServerOptions = {}): DualServer {
  const h1Timeouts = options.h1 ?? { headersTimeout: 10_000, requestTimeout: 60_000 };
  const h2Options = options.h2 ?? {};
  const front = options.front ?? {};
  // No request listener: streams arrive here first; only those the hook declines get Node's compatibility
  // request/response objects (built as Node's own compat layer builds them) and go to the general path.
  const h2 = http2.createServer(h2Options);
  h2.on("stream", (stream, headers, _flags, rawHeaders) => {
    // A peer that resets its connection makes Node emit ECONNRESET on every open stream; unhandled, that would end
    // the process. The stream's 'close' is what the handlers act on (as a cancellation), so the error itself is
    // dropped here — as Node's compatibility layer does for its requests.
    stream.on("error", ignoreStreamError);
    // Node emits 'stream' a tick after the HEADERS: a session destroyed meanwhile (a client cut off for a reset
    // flood, a connection reset) has taken its streams with it — nothing to count or serve.
    const session = stream.session as CountedSession | undefined;
    if (session === undefined || stream.destroyed) return;
    const streams = sessionStreams(session, options.admission);
    streams.open++;
    const verdict = options.admission ? options.admission.admitStream(stream, headers) : "exempt";
    stream.on("close", verdict === "counted" ? streams.closedCounted : streams.closed);
    if (verdict === "refused") return;
    if (hook?.(stream, headers)) return;
    const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders as unknown as string[]);
    const res = new http2.Http2ServerResponse(stream);
    listener(req, res);
  });
  const admission = options.admission;
  const h1 = createHttp1Server(
    h1Timeouts,
    admission
      ? (req, res) => {
          if (!admission.refuseRequest(req, res)) listener(req, res);
        }
      : listener,
  );
  // A connection must tell its protocol within the headers limit (or the request limit when that is the only one,
  // or 10 s when HTTP/1.1 has no limits at all): a silent connection is not kept forever.
  const firstBytesMs = h1Timeouts.headersTimeout || h1Timeouts.requestTimeout || 10_000;
  front.tls?.on("secureConnection", (socket: tls.TLSSocket) => {
    if (socket.alpnProtocol === "h2") h2.emit("connection", socket);
    else h1.emit("connection", socket);
  });
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    // Invariant: head holds fewer bytes than the preface until the last chunk before the decision, so at most one
    // chunk plus 15 bytes are ever buffered here.
    let head = Buffer.alloc(0);
    const silent = setTimeout(() => socket.destroy(), firstBytesMs);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const route = sortConnection(head, front);
      if (route === "more") return; // could still be either: read on
      clearTimeout(silent);
      socket.off("data", onData);
      socket.off("error", onEarlyError);
      socket.pause();
      if (route === "tls") {
        socket.unshift(head);
        front.tls?.emit("connection", socket); // the TLS socket takes what was unshifted as its first input
        return;
      }
      if (route !== "h2" && route !== "h1") {
        refuseConnection(socket, head, route, front.refusals);
        return;
      }
      socket.unshift(head);
      if (route === "h2") {
        // The HTTP/2 session reads what was unshifted on the next tick; resuming now would drop it.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    const onEarlyError = () => socket.destroy();
    socket.once("close", () => clearTimeout(silent));
    socket.on("data", onData);
    socket.on("error", onEarlyError);
  });
  const openStreams = (session: http2.ServerHttp2Session) => (session as CountedSession)[kStreams]?.open ?? 0;
  return { tcp, h1, h2, tls: front.tls, openStreams };
}

/** Where a connection goes by its first bytes, or "more" while they could still be the start of either. */
function sortConnection(
  head: Buffer,
  front: ConnectionFront,
): "more" | "tls" | "h2" | "h1" | "tls-on-cleartext-port" | "cleartext-on-tls-port" {
  if (head[0] === tlsHandshakeByte) return front.tls ? "tls" : "tls-on-cleartext-port";
  if (front.tls && !front.permissive) return "cleartext-on-tls-port";
  const n = Math.min(head.length, preface.length);
  const isH2 = head.subarray(0, n).equals(preface.subarray(0, n));
  if (isH2 && head.length < preface.length) return "more";
  return isH2 ? "h2" : "h1";
}
