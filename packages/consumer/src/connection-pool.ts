import * as http from "node:http";
import type { LookupFunction } from "node:net";
import { ObservedSessionManager } from "./observed-session-manager.js";

/** Options of a `ConnectionPool`. */
export interface ConnectionPoolOptions {
  /** How host names are resolved (see `createDnsLookup`). Default: the system resolver (`dns.lookup`). */
  lookup?: LookupFunction;
  /** Close an HTTP/2 connection with no call for this long, in ms. Default 300000 (5 minutes). */
  idleConnectionTimeoutMs?: number;
}

/**
 * The connections of one consumer: one HTTP/2 session manager per origin (shared by every reference to it) and
 * one keep-alive HTTP/1.1 agent. Closing the pool closes them all. A connection to a host name keeps that name as
 * its `:authority` (HTTP/2) or `Host` (HTTP/1.1), which is what a sidecar routes on.
 */
export class ConnectionPool {
  readonly #h2 = new Map<string, ObservedSessionManager>();
  readonly #lookup: LookupFunction | undefined;
  readonly #idleConnectionTimeoutMs: number;
  /** The HTTP/1.1 agent of Triple HTTP/1.1 references. */
  readonly agent: http.Agent;

  constructor(options: ConnectionPoolOptions = {}) {
    this.#lookup = options.lookup;
    this.#idleConnectionTimeoutMs = options.idleConnectionTimeoutMs ?? 5 * 60_000;
    this.agent = new http.Agent({ keepAlive: true, ...(this.#lookup ? { lookup: this.#lookup } : {}) });
  }

  /** The HTTP/2 session manager for a base URL, created on first use (no connection until the first call). */
  http2(baseUrl: URL): ObservedSessionManager {
    const key = baseUrl.origin;
    let manager = this.#h2.get(key);
    if (!manager) {
      manager = new ObservedSessionManager(
        baseUrl,
        { idleConnectionTimeoutMs: this.#idleConnectionTimeoutMs },
        this.#lookup ? { lookup: this.#lookup } : undefined,
      );
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
