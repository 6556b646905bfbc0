import type * as http2 from "node:http2";
import type { Logger } from "@dubbo-mesh/runtime";

/** Max connection age, as gRPC's gRFC A9 defines it. */
export interface ConnectionAgeOptions {
  /** Age after which a connection gets GOAWAY, in ms, ±10% jitter (`dubbo.protocol.max-connection-age`). 0 = off. */
  maxAgeMs: number;
  /** Time a GOAWAY'd connection keeps for its streams before it is closed, in ms. */
  graceMs: number;
  logger: Logger;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

/**
 * Gives every HTTP/2 connection a maximum age, so clients that dial one address (a Kubernetes ClusterIP, which
 * balances connections, not requests) spread over the pods as connections turn over: after the age — jittered ±10%
 * so connections made together do not all end together — the session gets GOAWAY (in-flight calls finish, new calls
 * go to a new connection), and after the grace period whatever is left is closed.
 */
export function limitConnectionAge(server: http2.Http2Server, options: ConnectionAgeOptions): void {
  if (options.maxAgeMs <= 0) return;
  const random = options.random ?? Math.random;
  server.on("session", (session) => {
    const age = Math.round(options.maxAgeMs * (0.9 + 0.2 * random()));
    const ageTimer = setTimeout(() => {
      if (session.closed || session.destroyed) return;
      options.logger.info({ event: "connection-max-age", ageMs: age, graceMs: options.graceMs });
      session.close(); // GOAWAY: running streams finish, no new ones
      const graceTimer = setTimeout(() => {
        if (!session.destroyed) session.destroy();
      }, options.graceMs);
      graceTimer.unref();
      session.once("close", () => clearTimeout(graceTimer));
    }, age);
    ageTimer.unref();
    session.once("close", () => clearTimeout(ageTimer));
  });
}
