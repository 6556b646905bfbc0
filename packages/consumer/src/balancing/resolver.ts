/**
 * Name resolution, after grpc-js's resolvers: a resolver turns a reference's target into the addresses of its
 * endpoints and reports them (again) whenever they may have changed. Which resolver runs is chosen by the target
 * (see `createResolver`).
 */

/** One endpoint as a resolver reports it. */
export interface ResolvedAddress {
  /** `http://host:port` whose `host` is the calls' `:authority` — the name, not the IP, so sidecars still route. */
  url: URL;
  /** The IP to dial instead of resolving `url`'s host; undefined = resolve the host when connecting. */
  ip?: string;
}

/** Where a resolver reports to: the cluster of the target. */
export interface ResolverListener {
  /** The complete current list (never empty); it replaces the previous one. */
  onAddresses(addresses: ResolvedAddress[]): void;
  /** Resolution failed (or found nothing); the previous list, if any, stays in use. */
  onError(error: Error): void;
}

/** A running resolver. */
export interface NameResolver {
  /** Asks for a resolution soon (e.g. after a connection failed); rate-limited by the resolver. */
  requestResolution(): void;
  /** Stops timers and queries; nothing is reported after this. */
  close(): void;
}

/** The key of a resolved address: the address dialled, `ip:port` or `host:port`. */
export function addressKey(address: ResolvedAddress): string {
  if (address.ip === undefined) return address.url.host;
  return address.ip.includes(":") ? `[${address.ip}]:${address.url.port}` : `${address.ip}:${address.url.port}`;
}
