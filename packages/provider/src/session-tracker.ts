import type * as http2 from "node:http2";
import type * as net from "node:net";
import type { DualServer } from "./dual-listener.js";

/** Keeps the open connections of a dual server, so they can be drained on shutdown. */
export interface SessionTracker {
  /**
   * Stops accepting connections, sends GOAWAY on every HTTP/2 session and closes idle HTTP/1.1 connections, waits
   * until all in-flight calls finish or `graceMs` passes, then destroys what is left. Resolves when all are closed.
   */
  drain(graceMs: number): Promise<void>;
  /** Number of open HTTP/2 sessions and HTTP/1.1 connections. */
  size(): number;
}

/** Starts tracking the connections of a dual server. */
export function trackSessions(server: DualServer): SessionTracker {
  // Invariant: a session or socket is in its set from its first event until its 'close'.
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  const h1Sockets = new Set<net.Socket>();
  server.h2.on("session", (session) => {
    h2Sessions.add(session);
    session.once("close", () => h2Sessions.delete(session));
  });
  server.h1.on("connection", (socket: net.Socket) => {
    h1Sockets.add(socket);
    socket.once("close", () => h1Sockets.delete(socket));
  });
  return {
    size: () => h2Sessions.size + h1Sockets.size,
    async drain(graceMs) {
      const closed = new Promise<void>((resolve) => server.tcp.close(() => resolve()));
      for (const session of h2Sessions) session.close(); // GOAWAY; closes once its streams end
      server.h1.closeIdleConnections();
      // Keep-alive HTTP/1.1 connections that go idle after their call must close too.
      server.h1.on("request", (_req, res) => res.setHeader("connection", "close"));
      const deadline = Date.now() + graceMs;
      while (h2Sessions.size + h1Sockets.size > 0 && Date.now() < deadline) {
        server.h1.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const session of h2Sessions) session.destroy();
      for (const socket of h1Sockets) socket.destroy();
      await closed;
    },
  };
}
