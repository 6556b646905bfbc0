/**
 * Mesh addressing, as Dubbo Java's `ReferenceConfig.meshModeHandleUrl` does it: a reference names the application that
 * provides the service (`providedBy`) and calls the Kubernetes Service of that name, so the mesh's sidecar (or
 * kube-proxy) routes the call by its `:authority`.
 */

/** The port a mesh reference dials when it sets no `providerPort`: Dubbo's Triple port (`dubbo.protocol.port`). */
export const defaultMeshPort = 50052;
/** The namespace of the provider when neither the reference nor `POD_NAMESPACE` names one. */
export const defaultNamespace = "default";
/** The cluster domain when `CLUSTER_DOMAIN` is unset, as in a default Kubernetes install. */
export const defaultClusterDomain = "cluster.local";

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a reference says about its provider in mesh mode. */
export interface MeshReference {
  /** The provider's application name = its Kubernetes Service name (Dubbo's `provided-by`). */
  providedBy: string;
  /** The provider's namespace (Dubbo's `provider-namespace`). Default: env `POD_NAMESPACE`, else "default". */
  providerNamespace?: string;
  /** The provider's port (Dubbo's `provider-port`). Default 50052. */
  providerPort?: number;
}

/** Where a mesh reference's calls go. */
export interface MeshAddress {
  /** `<providedBy>.<namespace>.svc.<clusterDomain>`, the name the calls carry in `:authority`. */
  host: string;
  port: number;
  /** `http://<host>:<port>`: cleartext HTTP/2, as a sidecar expects from its own pod. */
  url: string;
}

// An RFC 1123 label, which is what Kubernetes requires of Service and namespace names (lower case is not enforced:
// DNS ignores case).
const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/**
 * Computes the address of a mesh reference: `<providedBy>.<namespace>.svc.<clusterDomain>:<port>`, with namespace =
 * `providerNamespace` > env `POD_NAMESPACE` > "default", clusterDomain = env `CLUSTER_DOMAIN` > "cluster.local" and
 * port = `providerPort` > 50052. Pure: the environment is a parameter. Throws on a name that is no DNS label or a port
 * out of range, naming the value.
 *
 * @example
 * meshAddress({ providedBy: "greeter-provider" }, { POD_NAMESPACE: "demo" });
 * // { host: "greeter-provider.demo.svc.cluster.local", port: 50052,
 * //   url: "http://greeter-provider.demo.svc.cluster.local:50052" }
 */
export function meshAddress(ref: MeshReference, env: Env = process.env): MeshAddress {
  const name = ref.providedBy.trim();
  if (!label.test(name)) {
    throw new Error(
      `providedBy "${ref.providedBy}" is not a Kubernetes Service name (a DNS label: letters, digits, -)`,
    );
  }
  const namespace = nonEmpty(ref.providerNamespace) ?? nonEmpty(env.POD_NAMESPACE) ?? defaultNamespace;
  if (!label.test(namespace)) {
    throw new Error(`provider namespace "${namespace}" is not a Kubernetes namespace name (a DNS label)`);
  }
  const domain = (nonEmpty(env.CLUSTER_DOMAIN) ?? defaultClusterDomain).replace(/\.$/, "");
  if (!domain.split(".").every((part) => label.test(part))) {
    throw new Error(`CLUSTER_DOMAIN "${env.CLUSTER_DOMAIN}" is not a domain name`);
  }
  const port = ref.providerPort ?? defaultMeshPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`providerPort ${port} is not a port (1-65535)`);
  }
  const host = `${name}.${namespace}.svc.${domain}`;
  return { host, port, url: `http://${host}:${port}` };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
