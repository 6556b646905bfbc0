import { lookup, Resolver } from "node:dns/promises";
import { isIP } from "node:net";
import { type DnsOptions, HostResolutionError } from "../dns-lookup.js";

/** Every address of a name, and how long the answer may be cached. */
export interface AddressAnswer {
  /** IPv4 addresses first, then IPv6; never empty. */
  ips: string[];
  /** The smallest TTL of the records, in seconds; undefined when the source has none (`/etc/hosts`). */
  ttlSeconds: number | undefined;
}

/**
 * Creates a query for all A and AAAA records of a name (a headless Service has one per ready pod), with their TTL,
 * through a `node:dns` Resolver: the consumer's `dns.servers` when set, else the system's name servers. Without
 * `dns.servers`, a name those servers do not know is looked up with `dns.lookup` too (so `/etc/hosts` names such as
 * `localhost` work). A failure is a `HostResolutionError` naming the host and the servers.
 */
export function createAddressQuery(options: DnsOptions | undefined): (host: string) => Promise<AddressAnswer> {
  const resolver = new Resolver({ timeout: options?.timeoutMs ?? 1000, tries: options?.tries ?? 2 });
  if (options) resolver.setServers(options.servers);
  return async (host) => {
    const family = isIP(host);
    if (family !== 0) return { ips: [host], ttlSeconds: undefined };
    const [a, aaaa] = await Promise.allSettled([
      resolver.resolve4(host, { ttl: true }),
      resolver.resolve6(host, { ttl: true }),
    ]);
    const records = [...(a.status === "fulfilled" ? a.value : []), ...(aaaa.status === "fulfilled" ? aaaa.value : [])];
    if (records.length > 0) {
      return { ips: records.map((r) => r.address), ttlSeconds: Math.min(...records.map((r) => r.ttl)) };
    }
    const reason = (a.status === "rejected" ? a.reason : aaaa.status === "rejected" ? aaaa.reason : undefined) as
      | NodeJS.ErrnoException
      | undefined;
    const cause = reason ?? Object.assign(new Error(`no A or AAAA record for ${host}`), { code: "ENODATA" });
    if (!options) {
      const found = await lookup(host, { all: true }).catch(() => []);
      if (found.length > 0) return { ips: found.map((f) => f.address), ttlSeconds: undefined };
    }
    throw new HostResolutionError(host, options?.servers ?? resolver.getServers(), cause);
  };
}
