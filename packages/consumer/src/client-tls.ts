import { X509Certificate } from "node:crypto";
import type { LookupFunction } from "node:net";
import * as tls from "node:tls";
import {
  checkPrincipalRule,
  type FileWatch,
  type Logger,
  loadTlsMaterial,
  matchesPrincipalRule,
  type PrincipalRule,
  peerIdentityOf,
  reloadTlsOnChange,
  type TlsFiles,
  type TlsMaterial,
  type WatchFilesOptions,
} from "@dubbo-mesh/runtime";

/**
 * The consumer's TLS (`dubbo.ssl.client-*`, as Dubbo Java's `SslConfig`): the CAs that verify providers (default the
 * system's) and, for mTLS, a client certificate and key. The server certificate is verified against the name the
 * call is addressed to — the mesh name `<app>.<ns>.svc.cluster.local` of `providedBy`, or the `url`'s host — even
 * when client-side balancing dials each pod by IP.
 */
export interface ClientTlsOptions extends TlsFiles {
  /**
   * Verify the server certificate against this name (and send it as SNI) instead of the address's host: grpcurl's
   * `-servername`, gRPC's `grpc.ssl_target_name_override`. Default the host.
   */
  serverName?: string;
  /**
   * Pin the server's identity: accept only a server certificate whose SPIFFE ID matches (`principals`, Istio's form
   * or `spiffe://...`, a `*` at one end; or `trustDomains`). It replaces the host name check — SPIFFE certificates
   * name workloads, not hosts — while the certificate must still chain to the trusted CAs. Default none.
   */
  serverIdentity?: PrincipalRule;
  /** Reload the files when they change, as the provider does (see `ServerTlsOptions.reload`). Default on. */
  reload?: WatchFilesOptions | false;
}

/**
 * One TLS setting of a consumer in use: the checked files, a SecureContext that follows their rotation, and how to
 * open a verified connection. Connections of references with the same setting share it (`key`).
 */
export class ClientTls {
  /** Equal for equal options: connections are shared per (address, setting). */
  readonly key: string;
  readonly #options: ClientTlsOptions;
  #context: tls.SecureContext;
  readonly #watch: FileWatch | undefined;

  /** Loads and checks the files now; a bad one throws a `TlsFileError` naming the key, the file and the problem. */
  constructor(options: ClientTlsOptions, logger: Logger) {
    if (options.serverIdentity) checkPrincipalRule(options.serverIdentity, "serverIdentity");
    this.key = JSON.stringify(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
    this.#options = options;
    const material = loadTlsMaterial("client", options);
    this.#context = clientContext(material);
    this.#watch =
      options.reload === false
        ? undefined
        : reloadTlsOnChange({
            ...options.reload,
            side: "client",
            files: options,
            current: material,
            apply: (m) => {
              this.#context = clientContext(m);
            },
            logger,
          });
  }

  /**
   * Opens a TLS connection for a call to `host:port` (dialled at what `lookup` answers: a pod's IP under client-side
   * balancing), offering `alpn`, verified against the server name — `serverName` or `host` — or the pinned identity.
   */
  connect(host: string, port: number, alpn: string[], lookup: LookupFunction | undefined): tls.TLSSocket {
    const name = this.#options.serverName ?? host;
    const isIp = /^[\d.]+$|:/.test(name);
    const rule = this.#options.serverIdentity;
    return tls.connect({
      host,
      port,
      ...(lookup ? { lookup } : {}),
      ...(isIp ? {} : { servername: name }),
      ALPNProtocols: alpn,
      secureContext: this.#context,
      minVersion: "TLSv1.2",
      checkServerIdentity: (_hostname, cert) =>
        rule ? checkIdentity(rule, cert) : tls.checkServerIdentity(name, cert),
    });
  }

  /** Stops watching the files. */
  close(): void {
    this.#watch?.close();
  }
}

function clientContext(material: TlsMaterial): tls.SecureContext {
  return tls.createSecureContext({
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    ...(material.cert === undefined ? {} : { cert: material.cert, key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
  });
}

function checkIdentity(rule: PrincipalRule, cert: tls.PeerCertificate): Error | undefined {
  const identity = peerIdentityOf(new X509Certificate(cert.raw));
  if (matchesPrincipalRule(rule, identity)) return undefined;
  const wanted = [...(rule.principals ?? []), ...(rule.trustDomains ?? []).map((d) => `trust domain ${d}`)];
  return Object.assign(
    new Error(`server identity ${identity.spiffeId ?? "(no SPIFFE ID)"} is not the expected ${wanted.join(" or ")}`),
    { code: "ERR_TLS_CERT_ALTNAME_INVALID" },
  );
}
