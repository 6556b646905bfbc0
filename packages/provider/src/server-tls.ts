import type * as tls from "node:tls";
import type { TlsFiles, TlsMaterial, WatchFilesOptions } from "@dubbo-mesh/runtime";

/**
 * The provider's TLS (`dubbo.ssl.server-*`, as Dubbo Java's `SslConfig`): a certificate chain and its key make the
 * protocol port serve TLS only — HTTP/2 by ALPN `h2` (gRPC, health, reflection), HTTP/1.1 by ALPN `http/1.1` or none
 * (Triple, curl). A trust collection also requires every client to present a certificate it verifies (mTLS).
 */
export interface ServerTlsOptions extends TlsFiles {
  /**
   * Accept cleartext connections on the TLS port too, sorted by their first byte (0x16 starts a TLS handshake), as
   * Istio's PERMISSIVE mode does during a migration (`dubbo.ssl.server-permissive`). Default false.
   */
  permissive?: boolean;
  /**
   * Reload the files when they change (cert-manager, a SPIFFE helper, a Kubernetes Secret update): new connections
   * use the new certificate, open ones go on; files that fail the checks are logged and the old ones kept. `false`
   * turns it off. Default on: an `fs.watch` on each file's directory and a check every 5000 ms.
   */
  reload?: WatchFilesOptions | false;
}

/** ALPN protocols the provider offers, preferred first: HTTP/2, then HTTP/1.1. */
export const serverAlpnProtocols = ["h2", "http/1.1"];

/** What `node:tls` needs to serve with checked material: the key pair and, for mTLS, the CAs to verify clients by. */
export function serverContextOptions(material: TlsMaterial): tls.SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
    ...(material.ca === undefined ? {} : { ca: material.ca }),
  };
}
