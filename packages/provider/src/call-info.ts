import type * as net from "node:net";
import type * as tls from "node:tls";
import { type ContextValues, createContextKey, type HandlerContext } from "@connectrpc/connect";
import { type PeerIdentity, peerIdentityOf, type ServerConnectionInfo } from "@dubbo-mesh/runtime";

/** Where a call came in: the provider's own address and the caller's, as the socket saw them, and over what. */
export interface CallInfo {
  /** The address and port this provider instance answered on, e.g. `10.1.2.3:50052` or `[::1]:50052`. */
  readonly localAddress: string;
  /** The caller's address and port (a sidecar's, behind a mesh). */
  readonly remoteAddress: string;
  /** "1.1" or "2.0". */
  readonly httpVersion: string;
  /** Whether the call came over TLS. */
  readonly secure: boolean;
  /**
   * The caller's verified client certificate (mTLS: `dubbo.ssl.server-trust-cert-collection-path` set): its SPIFFE
   * ID, DNS names, subject. Undefined for cleartext, for TLS without client certificates, or a certificate the
   * provider did not verify.
   */
  readonly peer: PeerIdentity | undefined;
}

/** @internal The context key the server fills for every call. */
export const kCallInfo = createContextKey<CallInfo | undefined>(undefined, { description: "dubbo-mesh call info" });

const unknownCallInfo: CallInfo = {
  localAddress: "unknown",
  remoteAddress: "unknown",
  httpVersion: "",
  secure: false,
  peer: undefined,
};

/**
 * Returns where a call came in and who made it. Handlers use it to name the instance that served a call, e.g. to show
 * a balancer's spread: `` `hello, ${name} from ${callInfo(ctx).localAddress}` ``, or to see the caller's verified
 * identity: `callInfo(ctx).peer?.spiffeId`.
 */
export function callInfo(context: HandlerContext | { values: ContextValues }): CallInfo {
  return context.values.get(kCallInfo) ?? unknownCallInfo;
}

// The peer identity of each TLS connection, worked out once (on its first call that asks) for all its calls.
const identities = new WeakMap<net.Socket, PeerIdentity | null>();

/**
 * @internal The call info of a call on a connection: both paths (the gRPC engine's context and connect's general path)
 * build it here. `socket` is the request's socket (HTTP/1.1) or the HTTP/2 session's.
 */
export function callInfoOf(socket: net.Socket | tls.TLSSocket | undefined, httpVersion: string): CallInfo {
  const secure = socket !== undefined && (socket as tls.TLSSocket).encrypted === true;
  return {
    localAddress: formatAddress(socket?.localAddress, socket?.localPort),
    remoteAddress: formatAddress(socket?.remoteAddress, socket?.remotePort),
    httpVersion,
    secure,
    peer: secure ? peerOf(socket as tls.TLSSocket) : undefined,
  };
}

// Both ends of each connection as server spans name them, read once for all its calls.
const spanConnections = new WeakMap<net.Socket, ServerConnectionInfo>();

/**
 * @internal Both ends of a call's connection for its server span (`RpcTracing.startServer`): one object per
 * connection, so the tracing builds the span attributes once per connection and method. `socket` as for callInfoOf.
 */
export function spanConnectionOf(socket: net.Socket | undefined): ServerConnectionInfo | undefined {
  if (socket === undefined) return undefined;
  let connection = spanConnections.get(socket);
  if (connection === undefined) {
    connection = {
      peerAddress: socket.remoteAddress,
      peerPort: socket.remotePort,
      localAddress: socket.localAddress,
      localPort: socket.localPort,
    };
    spanConnections.set(socket, connection);
  }
  return connection;
}

function peerOf(socket: tls.TLSSocket): PeerIdentity | undefined {
  let identity = identities.get(socket);
  if (identity === undefined) {
    const cert = socket.authorized ? socket.getPeerX509Certificate() : undefined;
    identity = cert ? peerIdentityOf(cert) : null;
    identities.set(socket, identity);
  }
  return identity ?? undefined;
}

/** Formats a socket address as `host:port`, bracketing IPv6 and unwrapping IPv4-mapped IPv6. */
export function formatAddress(address: string | undefined, port: number | undefined): string {
  let host = address ?? "unknown";
  if (host.startsWith("::ffff:") && host.includes(".")) host = host.slice(7);
  if (host.includes(":")) host = `[${host}]`;
  return `${host}:${port ?? 0}`;
}
