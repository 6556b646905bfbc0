/**
 * The in-cluster DNS name of an application's Service, `<app>.<namespace>.svc.<clusterDomain>`: the address a mesh
 * consumer dials (`providedBy` resolution) and the host Istio names its clusters after.
 */
export function serviceFqdn(app: string, namespace: string, clusterDomain: string): string {
  return `${app}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The name Istio gives a sidecar's outbound cluster for a Service port: `outbound|<port>|<subset>|<fqdn>` (empty
 * subset for the Service as a whole, the version for a DestinationRule subset).
 */
export function outboundClusterName(port: number, fqdn: string, subset = ""): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}
