import type * as Http from "node:http";

// node:http through process.getBuiltinModule, not an import: the ES module facade of node:http reads every export,
// and one of them loads Node's bundled undici (fetch) — ~40 ms of every start-up, for nothing used here.
const http: typeof Http = process.getBuiltinModule("node:http");

/** Time limits of an HTTP/1.1 server fed its sockets by another listener; see `createHttp1Server`. */
export interface Http1Timeouts {
  /**
   * Time a client has to send a request's complete headers, in ms, counted from the connection (or, on a kept-alive
   * connection, from the first byte of the next request). Node's `headersTimeout`. 0 = no limit.
   */
  headersTimeout: number;
  /**
   * Time a client has to send a complete request, headers and body, in ms. Node's `requestTimeout`. 0 = no limit.
   * Once the request is in, the response may take as long as it takes (a long server-sent-events answer is untouched).
   */
  requestTimeout: number;
}

/**
 * Creates a node:http server for connections that another listener accepts and hands over with
 * `server.emit("connection", socket)` (a port that serves two protocols sorts its connections first), with Node's own
 * slow-request protection working: a client that has not sent complete headers within `headersTimeout`, or a complete
 * request within `requestTimeout`, gets 408 and is closed.
 *
 * Node checks those limits only for servers that listen: `listen()` starts the tracking of each connection's parser
 * and the timer that sweeps it every `connectionsCheckingInterval` ms (both in the server's own 'listening' handler),
 * so a server that never listens never drops a client that trickles its headers one byte at a time. This one starts
 * them at creation, sweeping every quarter of the shorter limit (at most every second), so a request is dropped within
 * 1.25 times its limit. `server.close()` stops the sweep; call it when the owner stops.
 */
export function createHttp1Server(
  timeouts: Http1Timeouts,
  listener: Http.RequestListener,
  options: Http.ServerOptions = {},
): Http.Server {
  const { headersTimeout, requestTimeout } = validateHttp1Timeouts(timeouts);
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((t) => t > 0));
  const connectionsCheckingInterval = Number.isFinite(shortest) ? Math.max(1, Math.min(1000, shortest / 4)) : 30_000;
  const server = http.createServer(
    { ...options, headersTimeout, requestTimeout, connectionsCheckingInterval },
    listener,
  );
  // The server's 'listening' handler is Node's setupConnectionsTracking; no socket is bound by emitting it.
  server.emit("listening");
  return server;
}

/** Checks HTTP/1.1 limits (whole milliseconds, headers no longer than the request) and returns them. */
export function validateHttp1Timeouts(timeouts: Http1Timeouts): Http1Timeouts {
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${name} must be a whole number of milliseconds >= 0, got ${String(value)}`);
    }
  }
  const { headersTimeout, requestTimeout } = timeouts;
  if (requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw new Error(`headersTimeout (${headersTimeout}) must not be longer than requestTimeout (${requestTimeout})`);
  }
  return { headersTimeout, requestTimeout };
}
