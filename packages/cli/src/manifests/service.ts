import { Service } from "kubernetes-models/v1/Service";
import type { ResolvedManifestOptions } from "./options.js";

/** Name of the protocol port on the Service and the container; the `grpc-` prefix tells Istio it is gRPC (HTTP/2). */
export const PROTOCOL_PORT_NAME = "grpc-tri";

/** Name of the QOS container port; the `http-` prefix tells Istio it is HTTP. */
export const QOS_PORT_NAME = "http-health";

/**
 * The provider's ClusterIP Service: the name consumers resolve (`<app>.<namespace>.svc.<domain>`), selecting every
 * version of the application by its `app` label, with the one port `grpc-tri`, targeting the container port of that
 * name. The QOS port is deliberately not exposed: only kubelet (pod IP) and loopback need it.
 */
export function serviceModel(options: ResolvedManifestOptions): Service {
  return new Service({
    metadata: { name: options.app, namespace: options.namespace, labels: { app: options.app } },
    spec: {
      type: "ClusterIP",
      selector: { app: options.app },
      ports: [{ name: PROTOCOL_PORT_NAME, protocol: "TCP", port: options.port, targetPort: PROTOCOL_PORT_NAME }],
    },
  });
}
