import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { serviceFqdn } from "./names.js";
import type { ResolvedManifestOptions } from "./options.js";

/**
 * The provider's VirtualService (Istio `networking.istio.io/v1`): every call to the Service's protocol port is split
 * across the DestinationRule's version subsets by `trafficSplit` weight (the Dubbo sample splits v1 80 / v2 20).
 * Istio's default retry policy applies.
 */
export function virtualServiceModel(options: ResolvedManifestOptions): VirtualService {
  const host = serviceFqdn(options.app, options.namespace, options.clusterDomain);
  return new VirtualService({
    metadata: { name: options.app, namespace: options.namespace, labels: { app: options.app } },
    spec: {
      hosts: [host],
      http: [
        {
          name: `${options.app}-versions`,
          match: [{ port: options.port }],
          route: Object.entries(options.trafficSplit).map(([subset, weight]) => ({
            destination: { host, subset, port: { number: options.port } },
            weight,
          })),
        },
      ],
    },
  });
}
