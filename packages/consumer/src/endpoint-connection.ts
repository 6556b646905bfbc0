import type * as Http from "node:http";
import type * as Https from "node:https";
import * as net from "node:net";
import type { ClientTls } from "./client-tls.js";
import { defaultConnectTimeoutMs, limitConnect } from "./connect-timeout.js";
import type { KeepaliveOptions } from "./keepalive.js";
import { ObservedSessionManager } from "./observed-session-manager.js";
import { pinnedLookup } from "./pinned-lookup.js";

// node:http through process.getBuiltinModule, not an import: the ES module facade of node:http reads every export,
// and one of them loads Node's bundled undici (fetch) — ~40 ms of every start-up, for nothing used here.
const http: typeof Http = process.getBuiltinModule("node:http");
const https: typeof Https = process.getBuiltinModule("node:https");

/** Options of an `EndpointConnection`. */
export interface EndpointConnectionOptions {
  /** `http://host:port`: where calls go and their `:authority` / `Host`. */
  url: URL;
  /** Dial this IP instead of resolving `url`'s host. */
  ip?: string;
  /** How `url`'s host is resolved when there is no `ip` (see `createDnsLookup`). Default: `dns.lookup`. */
  lookup?: net.LookupFunction;
  /** Close an HTTP/2 connection with no call for this long, in ms. */
  idleConnectionTimeoutMs: number;
  /** Connect with TLS (the calls' URL becomes `https://`), verified against `url`'s host. Default cleartext. */
  tls?: ClientTls;
  /** Keepalive of the HTTP/2 connection (see `SessionKeepalive`). Default `defaultKeepalive`. */
  keepalive?: KeepaliveOptions;
  /**
   * How long a new connection may take to be usable (TCP, and TLS when on), in ms, before it counts as failed
   * (`limitConnect`). Default 3000, Dubbo's; 0 = the kernel's limit (about two minutes for an unanswered SYN).
   */
  connectTimeoutMs?: number;
}

/**
 * The connections to one endpoint: an HTTP/2 session manager (gRPC, Triple over h2, the health Watch — one
 * connection, keepalive PINGs, reconnect after GOAWAY) and a keep-alive HTTP/1.1 agent (Triple HTTP/1.1), each made
 * on first use. With an `ip` both connect to it, while `:authority` / `Host` stay `url`'s host, which is what a
 * sidecar or a virtual host routes on. With `tls` both connect with TLS, and the server certificate is checked against
 * `url`'s host — the name, not the IP dialled.
 */
export class EndpointConnection {
  readonly url: URL;
  readonly ip: string | undefined;
  readonly #lookup: net.LookupFunction | undefined;
  readonly #idleConnectionTimeoutMs: number;
  readonly #tls: ClientTls | undefined;
  readonly #keepalive: KeepaliveOptions | undefined;
  readonly #connectTimeoutMs: number;
  #h2: ObservedSessionManager | undefined;
  #agent: Http.Agent | undefined;

  constructor(options: EndpointConnectionOptions) {
    this.#tls = options.tls;
    this.url = options.tls ? withScheme(options.url, "https:") : options.url;
    this.ip = options.ip;
    this.#lookup = options.ip !== undefined ? pinnedLookup(options.ip) : options.lookup;
    this.#idleConnectionTimeoutMs = options.idleConnectionTimeoutMs;
    this.#keepalive = options.keepalive;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
  }

  /** The HTTP/2 session manager (no connection until the first request). */
  get http2(): ObservedSessionManager {
    this.#h2 ??= new ObservedSessionManager(
      this.url,
      { idleConnectionTimeoutMs: this.#idleConnectionTimeoutMs, keepalive: this.#keepalive },
      { createConnection: () => this.#dial(["h2"]) },
    );
    return this.#h2;
  }

  /** The HTTP/1.1 agent (an HTTPS one with `tls`). */
  get agent(): Http.Agent {
    if (this.#agent) return this.#agent;
    const agent = this.#tls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    // Every socket dialled as the HTTP/2 ones are: at the endpoint's IP, within the connect timeout, through the
    // consumer's TLS setting (its current certificates, its server-name check).
    (agent as unknown as { createConnection: () => net.Socket }).createConnection = () => this.#dial(["http/1.1"]);
    this.#agent = agent;
    return agent;
  }

  /** A new connection to the endpoint (TLS with `alpn` when on), bounded by the connect timeout. */
  #dial(alpn: string[]): net.Socket {
    const host = this.url.hostname.replace(/^\[(.*)\]$/, "$1");
    const secure = this.#tls;
    const port = Number(this.url.port || (secure ? 443 : 80));
    const lookup = this.#lookup;
    const address = `${this.ip ?? host}:${port}`;
    if (secure)
      return limitConnect(secure.connect(host, port, alpn, lookup), this.#connectTimeoutMs, "secureConnect", address);
    const socket = net.connect({ host, port, ...(lookup ? { lookup } : {}) });
    return limitConnect(socket, this.#connectTimeoutMs, "connect", address);
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

function withScheme(url: URL, protocol: "https:"): URL {
  const copy = new URL(url.href);
  copy.protocol = protocol;
  return copy;
}
