import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { ResolvedManifestOptions } from "./options.js";
import { tlsEnv } from "./tls.js";

/**
 * The container's environment: the Dubbo configuration keys the manifests depend on, spelled as environment
 * variables (`dubbo.protocol.port` -> `DUBBO_PROTOCOL_PORT`), so the pod spec and the application agree on ports
 * and shutdown timings.
 *
 * - `POD_NAMESPACE` from the downward API: mesh addressing (`providedBy` -> `<app>.<POD_NAMESPACE>.svc...`).
 * - `CLUSTER_DOMAIN` only when it is not `cluster.local`, the framework's default.
 * - `DUBBO_REGISTRY_ADDRESS=N/A`: mesh mode, Kubernetes Services replace the registry.
 * - `DUBBO_PROTOCOL_PORT` for a provider, the container port and Service target; a consumer serves no protocol port.
 * - `DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP=true`: kubelet probes come from the node's address, not loopback;
 *   without this the QOS port refuses them and the pod never becomes ready. Foreign peers still get only the public
 *   commands (`live`, `ready`, `startup`, `quit`); `offline` and the rest stay loopback-only.
 * - `DUBBO_APPLICATION_QOS_ANONYMOUS_ALLOW_COMMANDS=metrics`: Prometheus scrapes `/metrics` from its own pod's address;
 *   `metrics` is PROTECTED (as in Dubbo), so it is allowed by name — that command only, read-only.
 * - `DUBBO_CONSUMER_MESH_ENABLE=true` for a consumer, as the Dubbo mesh sample's consumer sets `consumer.meshEnable`.
 * - with `tls`, the `DUBBO_SSL_*` keys pointing into the mounted Secret (see `tlsEnv`);
 * - then `options.env`, which may override any of the above.
 */
export function containerEnv(options: ResolvedManifestOptions): IEnvVar[] {
  const generated: Record<string, string> = {
    DUBBO_APPLICATION_NAME: options.app,
    DUBBO_REGISTRY_ADDRESS: "N/A",
    ...(options.role === "provider" ? { DUBBO_PROTOCOL_PORT: String(options.port) } : {}),
    DUBBO_APPLICATION_QOS_PORT: String(options.qosPort),
    DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP: "true",
    DUBBO_APPLICATION_QOS_ANONYMOUS_ALLOW_COMMANDS: "metrics",
    DUBBO_APPLICATION_SHUTDOWN_DELAY: String(options.shutdownDelayMs),
    DUBBO_SERVICE_SHUTDOWN_WAIT: String(options.shutdownWaitMs),
  };
  if (options.role === "consumer") generated.DUBBO_CONSUMER_MESH_ENABLE = "true";
  if (options.clusterDomain !== "cluster.local") generated.CLUSTER_DOMAIN = options.clusterDomain;
  const merged = { ...generated, ...tlsEnv(options), ...options.env };
  return [
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
    ...Object.entries(merged).map(([name, value]) => ({ name, value })),
  ];
}
