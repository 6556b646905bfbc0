import * as http from "node:http";
import { Http2SessionManager } from "@connectrpc/connect-node";

/**
 * The connections of one consumer: one HTTP/2 session manager per authority (shared by every reference to it) and
 * one keep-alive HTTP/1.1 agent. Closing the pool closes them all.
 */
export class ConnectionPool {
  readonly #h2 = new Map<string, Http2SessionManager>();
  readonly agent = new http.Agent({ keepAlive: true });

  /** The HTTP/2 session manager for a base URL, created on first use (no connection until the first call). */
  http2(baseUrl: URL): Http2SessionManager {
    const key = baseUrl.origin;
    let manager = this.#h2.get(key);
    if (!manager) {
      manager = new Http2SessionManager(baseUrl, { idleConnectionTimeoutMs: 5 * 60_000 });
      this.#h2.set(key, manager);
    }
    return manager;
  }

  /** Closes every connection; calls still running fail with CANCELED. */
  close(): void {
    for (const manager of this.#h2.values()) manager.abort();
    this.#h2.clear();
    this.agent.destroy();
  }
}
