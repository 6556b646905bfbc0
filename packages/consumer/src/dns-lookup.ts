import { Resolver } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";

/** DNS servers to resolve provider host names with, instead of the system resolver. */
export interface DnsOptions {
  /** Servers as `ip` or `ip:port` (`[ipv6]:port`), e.g. `["127.0.0.1:5353"]`, asked in order. Required. */
  servers: string[];
  /** How long to wait for one answer, in ms. Default 1000. */
  timeoutMs?: number;
  /** How many times to ask each server. Default 2. */
  tries?: number;
}

/** A host name the configured DNS servers did not resolve. The error a call fails with has it as `cause`. */
export class HostResolutionError extends Error {
  override name = "HostResolutionError";
  /** The DNS error code of the A query (or of the AAAA query when A had no answer), e.g. `ENOTFOUND`. */
  readonly code: string;
  constructor(
    readonly hostname: string,
    readonly servers: readonly string[],
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot resolve ${hostname}: ${cause.code ?? cause.message} from DNS ${servers.join(", ")}`, { cause });
    this.code = cause.code ?? "EUNKNOWN";
  }
}

/**
 * Creates a `lookup` function for `net.connect` (so for `http2.connect` and an `http.Agent`) that resolves host names
 * with a `node:dns` Resolver asking `servers`: A records first, AAAA records only when there is no A record. A failure
 * is reported as a ConnectError UNAVAILABLE naming the host, whose `cause` is a `HostResolutionError`.
 */
export function createDnsLookup(options: DnsOptions): LookupFunction {
  if (options.servers.length === 0) throw new Error("dns.servers must name at least one server");
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 1000, tries: options.tries ?? 2 });
  resolver.setServers(options.servers);
  return (hostname, lookupOptions, callback) => {
    const literal = isIP(hostname);
    if (literal !== 0) {
      if (lookupOptions.all) callback(null, [{ address: hostname, family: literal }]);
      else callback(null, hostname, literal);
      return;
    }
    resolve(resolver, hostname, lookupOptions.family).then(
      (addresses) => {
        const first = addresses[0];
        if (lookupOptions.all) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => {
        const cause = new HostResolutionError(hostname, options.servers, err);
        // net hands this error on as the socket's; connect-node passes a ConnectError through with its code.
        const unavailable: Error = new ConnectError(cause.message, Code.Unavailable, undefined, undefined, cause);
        callback(unavailable as NodeJS.ErrnoException, "", 0);
      },
    );
  };
}

type Address = { address: string; family: 4 | 6 };

/** Resolves A records, then AAAA records if there were none; `family` 4 or 6 restricts to one. */
async function resolve(resolver: Resolver, hostname: string, family: unknown): Promise<Address[]> {
  const query = (rrtype: "A" | "AAAA") =>
    new Promise<Address[]>((ok, fail) => {
      const done = (err: NodeJS.ErrnoException | null, found: string[]) => {
        if (err) fail(err);
        else if (found.length === 0) fail(Object.assign(new Error(`no ${rrtype} record`), { code: "ENODATA" }));
        else ok(found.map((address) => ({ address, family: rrtype === "A" ? 4 : 6 })));
      };
      if (rrtype === "A") resolver.resolve4(hostname, done);
      else resolver.resolve6(hostname, done);
    });
  if (family === 6 || family === "IPv6") return query("AAAA");
  if (family === 4 || family === "IPv4") return query("A");
  try {
    return await query("A");
  } catch (aError) {
    return query("AAAA").catch(() => {
      throw aError;
    });
  }
}
