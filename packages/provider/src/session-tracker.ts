import type * as http from "node:http";
import type * as http2 from "node:http2";
import type * as net from "node:net";
import type { DualServer } from "./dual-listener.js";

/** Keeps the open connections of a dual server, so they can be drained on shutdown. */
export interface SessionTracker {
  /**
   * Stops accepting connections, sends GOAWAY on every HTTP/2 session and closes idle HTTP/1.1 connections (busy
   * ones close after their response), waits until all are closed or `graceMs` passes, then destroys what is left.
   */
  drain(graceMs: number): Promise<void>;
  /** Number of open HTTP/2 sessions and HTTP/1.1 connections. */
  size(): number;
}

/** Starts tracking the connections of a dual server. */
export function trackSessions(server: DualServer): SessionTracker {
  // Invariant: a session or socket is in its collection from its first event until its 'close'.
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  // HTTP/1.1 socket -> requests in progress on it. (Node's own connection tracking does not say how many requests of
  // a socket are in progress, nor wait for them.)
  const h1Sockets = new Map<net.Socket, number>();
  let draining = false;
  // Set while a drain waits: called on every close, it ends the wait once the last connection is gone.
  let onClosed: (() => void) | undefined;
  const open = () => h2Sessions.size + h1Sockets.size;
  server.h2.on("session", (session) => {
    h2Sessions.add(session);
    session.once("close", () => {
      h2Sessions.delete(session);
      onClosed?.();
    });
  });
  server.h1.on("connection", (socket: net.Socket) => {
    h1Sockets.set(socket, 0);
    socket.once("close", () => {
      h1Sockets.delete(socket);
      onClosed?.();
    });
  });
  server.h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    h1Sockets.set(socket, (h1Sockets.get(socket) ?? 0) + 1);
    if (draining) res.shouldKeepAlive = false;
    res.on("close", () => {
      const busy = (h1Sockets.get(socket) ?? 1) - 1;
      if (h1Sockets.has(socket)) h1Sockets.set(socket, busy);
      if (draining && busy === 0) socket.end();
    });
  });
  return {
    size: open,
    async drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.tcp.close(() => resolve()));
      for (const session of h2Sessions) session.close(); // GOAWAY; closes once its streams end
      for (const [socket, busy] of h1Sockets) if (busy === 0) socket.end();
      await new Promise<void>((resolve) => {
        if (open() === 0) return resolve();
        const timer = setTimeout(resolve, graceMs);
        onClosed = () => {
          if (open() > 0) return;
          clearTimeout(timer);
          resolve();
        };
      });
      onClosed = undefined;
      for (const session of h2Sessions) session.destroy();
      for (const socket of h1Sockets.keys()) socket.destroy();
      server.h1.close(); // stops its slow-request sweep (see createHttp1Server)
      await closed;
    },
  };
}
