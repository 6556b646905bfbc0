import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { serviceFqdn } from "./names.js";
import type { ResolvedManifestOptions } from "./options.js";

/** Where the TLS Secret is mounted in the container. */
export const TLS_MOUNT_PATH = "/etc/dubbo/tls";

/**
 * TLS on the protocol port without a sidecar (proxyless): which Secret holds the workload's key pair, whether
 * cert-manager issues it, whether clients must present one (mTLS).
 */
export interface ManifestTls {
  /**
   * A Secret of type `kubernetes.io/tls` with `tls.crt`, `tls.key` and `ca.crt` (what cert-manager writes), mounted at
   * `/etc/dubbo/tls` — as a whole volume, not by `subPath`, so that Kubernetes' updates reach the files and the
   * application rotates to the renewed certificate without a restart.
   */
  readonly secretName: string;
  /**
   * Add a cert-manager `Certificate` that keeps the Secret filled from this issuer (`ClusterIssuer/mesh-ca`,
   * `Issuer/ca`): 24 h certificates renewed 8 h before expiry, ECDSA P-256, a new key each time, the Service's DNS
   * names and the SPIFFE ID `spiffe://<clusterDomain>/ns/<namespace>/sa/<app>`. Default none: the Secret is made
   * by someone else (a plain Secret, a SPIFFE helper).
   */
  readonly issuer?: { readonly kind: "Issuer" | "ClusterIssuer"; readonly name: string };
  /** Require client certificates on the provider's port (mTLS). Default true. */
  readonly mutual?: boolean;
}

/** The pod volume of the TLS Secret, if TLS is on. */
export function tlsVolumes(options: ResolvedManifestOptions): IVolume[] {
  if (!options.tls) return [];
  // Default file mode (0644): the container runs as a non-root user with no fsGroup, which must read the key.
  return [{ name: "tls", secret: { secretName: options.tls.secretName } }];
}

/** The container's read-only mount of the TLS Secret, if TLS is on. */
export function tlsVolumeMounts(options: ResolvedManifestOptions): IVolumeMount[] {
  return options.tls ? [{ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true }] : [];
}

/**
 * The `dubbo.ssl.*` keys as environment variables, pointing into the mounted Secret: a provider serves with the key
 * pair (and verifies clients with `ca.crt` under mTLS); every application calls with it (`ca.crt` verifies
 * providers, the key pair is its client certificate).
 */
export function tlsEnv(options: ResolvedManifestOptions): Record<string, string> {
  if (!options.tls) return {};
  const file = (name: string) => `${TLS_MOUNT_PATH}/${name}`;
  return {
    ...(options.role === "provider"
      ? {
          DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH: file("tls.crt"),
          DUBBO_SSL_SERVER_PRIVATE_KEY_PATH: file("tls.key"),
          ...(options.tls.mutual === false ? {} : { DUBBO_SSL_SERVER_TRUST_CERT_COLLECTION_PATH: file("ca.crt") }),
        }
      : {}),
    DUBBO_SSL_CLIENT_TRUST_CERT_COLLECTION_PATH: file("ca.crt"),
    DUBBO_SSL_CLIENT_KEY_CERT_CHAIN_PATH: file("tls.crt"),
    DUBBO_SSL_CLIENT_PRIVATE_KEY_PATH: file("tls.key"),
  };
}

/** The cert-manager Certificate that issues the application's key pair into the Secret (see `ManifestTls.issuer`). */
export function certificateModel(options: ResolvedManifestOptions): Certificate | undefined {
  const issuer = options.tls?.issuer;
  if (!options.tls || !issuer) return undefined;
  const { app, namespace, clusterDomain } = options;
  return new Certificate({
    metadata: { name: app, namespace, labels: { app } },
    spec: {
      secretName: options.tls.secretName,
      duration: "24h",
      renewBefore: "8h",
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      usages: ["server auth", "client auth", "digital signature", "key encipherment"],
      commonName: app,
      dnsNames: [app, `${app}.${namespace}`, `${app}.${namespace}.svc`, serviceFqdn(app, namespace, clusterDomain)],
      uris: [`spiffe://${clusterDomain}/ns/${namespace}/sa/${app}`],
      issuerRef: { kind: issuer.kind, name: issuer.name, group: "cert-manager.io" },
    },
  });
}
