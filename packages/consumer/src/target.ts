/**
 * Turns a reference's `url` into the base URL of HTTP requests. Accepts Dubbo's `tri://host:port`, `grpc://host:port`,
 * plain `http://host:port` and a bare `host:port`; a missing port is 50052, Dubbo's Triple port. `https://host[:port]`
 * (port 443 when none) turns TLS on for the reference (see `ReferenceOptions.tls`); nothing else is accepted.
 */
export function parseTarget(url: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new Error(`invalid reference url "${url}": expected tri://host:port, http://host:port or host:port`);
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (!["tri", "grpc", "http", "https"].includes(scheme)) {
    throw new Error(
      `invalid reference url "${url}": scheme ${scheme}:// is not supported (use tri://, grpc://, http://)`,
    );
  }
  if (parsed.hostname === "") throw new Error(`invalid reference url "${url}": no host`);
  const port = parsed.port === "" ? (scheme === "https" ? "443" : "50052") : parsed.port;
  const host = parsed.hostname;
  return new URL(`${scheme === "https" ? "https" : "http"}://${host}:${port}`);
}

/**
 * Parses a reference `url` that may list several providers, as Dubbo's `url` does (`tri://h1:p1,h2:p2`): the scheme
 * is written once, the hosts are separated by commas and each may have its own port (50052 when it has none). Every
 * entry is checked like `parseTarget`. One host gives a list of one.
 *
 * @example
 * parseTargetList("tri://10.0.0.1:50052,10.0.0.2").map(String); // ["http://10.0.0.1:50052/", "http://10.0.0.2:50052/"]
 */
export function parseTargetList(url: string): URL[] {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? "";
  const hosts = url.slice(scheme.length).split(",");
  if (hosts.some((h) => h.trim() === "")) throw new Error(`invalid reference url "${url}": an empty host in the list`);
  return hosts.map((host) => parseTarget(`${scheme}${host.trim()}`));
}

/**
 * Parses gRPC's DNS target syntax, `dns:[//authority/]host[:port]` (`dns:///greeter.demo.svc.cluster.local:50052`),
 * into the base URL of the name (port 50052 when none is given); undefined when `url` is not a `dns:` target. A DNS
 * server named in the authority part is not supported (use the consumer's `dns.servers`).
 */
export function parseDnsTarget(url: string): URL | undefined {
  const m = /^dns:(?:\/\/([^/]*)\/)?(.+)$/i.exec(url);
  if (!m) return undefined;
  if (m[1]) throw new Error(`invalid reference url "${url}": a DNS server in the target is not supported`);
  return parseTarget(`http://${m[2] ?? ""}`);
}
