import { isIP, type LookupFunction } from "node:net";

/**
 * A `lookup` for `net.connect` that answers every name with `ip`: the connection to one resolved endpoint is made to
 * its IP while the URL — and so `:authority` and TLS's server name — keeps the service's name.
 */
export function pinnedLookup(ip: string): LookupFunction {
  const family = isIP(ip);
  if (family === 0) throw new Error(`not an IP address: ${ip}`);
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: ip, family }]);
    else callback(null, ip, family);
  };
}
