import type * as net from "node:net";
import * as tls from "node:tls";
import type { Logger, TlsMaterial } from "@dubbo-mesh/runtime";
import { serverAlpnProtocols, serverContextOptions } from "./server-tls.js";

/** The TLS record type of a handshake: the first byte of every TLS connection. */
export const tlsHandshakeByte = 0x16;

/** What stands in front of the protocol port's HTTP servers: TLS or not, and where refusals are logged. */
export interface ConnectionFront {
  /** The TLS server that terminates TLS connections (it never listens itself; sockets are handed to it). None = cleartext. */
  readonly tls?: tls.Server;
  /** With `tls`: also serve cleartext connections (first byte other than 0x16). Default false. */
  readonly permissive?: boolean;
  /** Where refused connections are logged. Default nowhere. */
  readonly refusals?: RefusalLog;
}

/**
 * Creates the TLS server of the protocol port from checked material: ALPN h2 and http/1.1, TLS 1.2 or newer, and —
 * when the material has a trust collection — a client certificate required and verified against it (mTLS). Failed
 * handshakes (a client that does not trust us, no or a wrong client certificate, garbage) are logged and the socket
 * closed; nothing else is affected; a handshake not done within `handshakeTimeoutMs` (the headers limit) is dropped.
 * The caller routes each secure connection by its ALPN protocol.
 */
export function createTlsServer(material: TlsMaterial, log: RefusalLog, handshakeTimeoutMs: number): tls.Server {
  const mutual = material.ca !== undefined;
  const server = tls.createServer({
    ...serverContextOptions(material),
    ALPNProtocols: serverAlpnProtocols,
    minVersion: "TLSv1.2",
    // A client that starts a handshake and stalls is dropped as one that sends no headers would be.
    handshakeTimeout: handshakeTimeoutMs,
    requestCert: mutual,
    rejectUnauthorized: mutual,
  });
  server.on("tlsClientError", (err: Error & { code?: string }, socket: tls.TLSSocket) => {
    log.refused("tls-handshake-failed", socket, err.code ?? err.message);
    socket.destroy();
  });
  return server;
}

/**
 * Refuses a connection that does not speak what the port serves: a cleartext client on a TLS-only port (an HTTP/1.1
 * request gets a 400 that says so, as nginx answers plain HTTP on an HTTPS port; anything else is closed), or a TLS
 * client on a cleartext port (closed: it would only see garbage).
 */
export function refuseConnection(
  socket: net.Socket,
  head: Buffer,
  reason: "cleartext-on-tls-port" | "tls-on-cleartext-port",
  log: RefusalLog | undefined,
): void {
  log?.refused(reason, socket);
  if (reason === "cleartext-on-tls-port" && /^[A-Z]{3,7} \S/.test(head.subarray(0, 16).toString("latin1"))) {
    socket.end(
      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" +
        "this port serves TLS only: use https:// (or a TLS gRPC client)\n",
    );
    socket.once("finish", () => socket.destroy());
    return;
  }
  socket.destroy();
}

/**
 * Logs refused connections as warnings without flooding: the first of each reason at once, then at most one line
 * per reason per `intervalMs`, counting those it left out (`suppressed`).
 */
export class RefusalLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 10_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Records one refused connection. */
  refused(event: string, socket: net.Socket, error?: string): void {
    const now = Date.now();
    const last = this.#last.get(event);
    if (last && now - last.at < this.#intervalMs) {
      last.suppressed++;
      return;
    }
    this.#last.set(event, { at: now, suppressed: 0 });
    this.#logger.warn({
      event,
      remoteAddress: socket.remoteAddress,
      ...(error === undefined ? {} : { error }),
      ...(last && last.suppressed > 0 ? { suppressed: last.suppressed } : {}),
    });
  }
}
