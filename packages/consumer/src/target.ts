/**
 * Turns a reference's `url` into the base URL of HTTP requests. Accepts Dubbo's `tri://host:port`, `grpc://host:port`,
 * plain `http://host:port` and a bare `host:port`; a missing port is 50052, Dubbo's Triple port. TLS is a sidecar's
 * job in a mesh, so `https://` is accepted too but nothing else is.
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
