import type * as Http from "node:http";
import type { LookupFunction } from "node:net";
import { ObservedSessionManager } from "./observed-session-manager.js";
import { pinnedLookup } from "./pinned-lookup.js";

// node:http through process.getBuiltinModule, not an import: the ES module facade of node:http reads every export,
// and one of them loads Node's bundled undici (fetch) — ~40 ms of every start-up, for nothing used here.
const http: typeof Http = process.getBuiltinModule("node:http");

/** Options of an `EndpointConnection`. */
export interface EndpointConnectionOptions {
  /** `http://host:port`: where calls go and their `:authority` / `Host`. */
  url: URL;
  /** Dial this IP instead of resolving `url`'s host. */
  ip?: string;
  /** How `url`'s host is resolved when there is no `ip` (see `createDnsLookup`). Default: `dns.lookup`. */
  lookup?: LookupFunction;
  /** Close an HTTP/2 connection with no call for this long, in ms. */
  idleConnectionTimeoutMs: number;
}

/**
 * The connections to one endpoint: an HTTP/2 session manager (gRPC, Triple over h2, the health Watch — one
 * connection, PING keep-alive, reconnect after GOAWAY) and a keep-alive HTTP/1.1 agent (Triple HTTP/1.1), each made
 * on first use. With an `ip` both connect to it, while `:authority` / `Host` stay `url`'s host, which is what a
 * sidecar or a virtual host routes on.
 */
export class EndpointConnection {
  readonly url: URL;
  readonly ip: string | undefined;
  readonly #lookup: LookupFunction | undefined;
  readonly #idleConnectionTimeoutMs: number;
  #h2: ObservedSessionManager | undefined;
  #agent: Http.Agent | undefined;

  constructor(options: EndpointConnectionOptions) {
    this.url = options.url;
    this.ip = options.ip;
    this.#lookup = options.ip !== undefined ? pinnedLookup(options.ip) : options.lookup;
    this.#idleConnectionTimeoutMs = options.idleConnectionTimeoutMs;
  }

  /** The HTTP/2 session manager (no connection until the first request). */
  get http2(): ObservedSessionManager {
    this.#h2 ??= new ObservedSessionManager(
      this.url,
      { idleConnectionTimeoutMs: this.#idleConnectionTimeoutMs },
      this.#lookup ? { lookup: this.#lookup } : undefined,
    );
    return this.#h2;
  }

  /** The HTTP/1.1 agent. */
  get agent(): Http.Agent {
    this.#agent ??= new http.Agent({ keepAlive: true, ...(this.#lookup ? { lookup: this.#lookup } : {}) });
    return this.#agent;
  }

  /** Closes the connections once their calls have finished (HTTP/1.1: sockets close as their requests end). */
  closeWhenIdle(): void {
    this.#h2?.closeWhenIdle();
    if (this.#agent) {
      this.#agent.maxFreeSockets = 0; // a socket whose request ends is destroyed instead of kept
      for (const sockets of Object.values(this.#agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
    }
  }

  /** Closes the connections now; calls on them fail with CANCELED. */
  close(): void {
    this.#h2?.abort();
    this.#agent?.destroy();
  }
}
