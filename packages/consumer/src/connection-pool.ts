import type { LookupFunction } from "node:net";
import type { ClientTls } from "./client-tls.js";
import { EndpointConnection } from "./endpoint-connection.js";
import type { KeepaliveOptions } from "./keepalive.js";

/** Options of a `ConnectionPool`. */
export interface ConnectionPoolOptions {
  /** How host names are resolved (see `createDnsLookup`). Default: the system resolver (`dns.lookup`). */
  lookup?: LookupFunction;
  /** Close an HTTP/2 connection with no call for this long, in ms. Default 300000 (5 minutes). */
  idleConnectionTimeoutMs?: number;
  /** Keepalive of the HTTP/2 connections (see `SessionKeepalive`). Default `defaultKeepalive`. */
  keepalive?: KeepaliveOptions;
  /** How long a new connection may take to be usable, in ms (see `limitConnect`). Default 3000; 0 = no bound. */
  connectTimeoutMs?: number;
}

/** A connection of the pool and how many targets hold it. Invariant: an entry is in the pool iff `holders > 0`. */
interface Entry {
  connection: EndpointConnection;
  holders: number;
  key: string;
}

/**
 * The connections of one consumer: one `EndpointConnection` per (base URL, dialled IP, TLS setting), shared by every
 * target that
 * has that endpoint (two references to one provider, say), counted so that the last one to let go closes it. Closing
 * the pool closes them all.
 */
export class ConnectionPool {
  readonly #entries = new Map<string, Entry>();
  readonly #lookup: LookupFunction | undefined;
  readonly #idleConnectionTimeoutMs: number;
  readonly #keepalive: KeepaliveOptions | undefined;
  readonly #connectTimeoutMs: number | undefined;

  constructor(options: ConnectionPoolOptions = {}) {
    this.#lookup = options.lookup;
    this.#idleConnectionTimeoutMs = options.idleConnectionTimeoutMs ?? 5 * 60_000;
    this.#keepalive = options.keepalive;
    this.#connectTimeoutMs = options.connectTimeoutMs;
  }

  /**
   * The connection to `url` (dialled at `ip` if given, over TLS with `tls`), created on first use; `release` it when
   * done.
   */
  acquire(url: URL, ip?: string, tls?: ClientTls): EndpointConnection {
    const key = `${url.origin}|${ip ?? ""}|${tls?.key ?? ""}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const connection = new EndpointConnection({
        url,
        ip,
        lookup: this.#lookup,
        idleConnectionTimeoutMs: this.#idleConnectionTimeoutMs,
        ...(tls ? { tls } : {}),
        keepalive: this.#keepalive,
        connectTimeoutMs: this.#connectTimeoutMs,
      });
      entry = { connection, holders: 0, key };
      this.#entries.set(key, entry);
    }
    entry.holders++;
    return entry.connection;
  }

  /** Lets go of a connection from `acquire`; the last holder's release closes it once its calls have finished. */
  release(connection: EndpointConnection): void {
    const entry = [...this.#entries.values()].find((e) => e.connection === connection);
    if (!entry) return;
    if (--entry.holders > 0) return;
    this.#entries.delete(entry.key);
    connection.closeWhenIdle();
  }

  /** Closes every connection; calls still running fail with CANCELED. */
  close(): void {
    for (const { connection } of this.#entries.values()) connection.close();
    this.#entries.clear();
  }
}
