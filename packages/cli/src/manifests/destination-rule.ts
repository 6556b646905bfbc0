import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { serviceFqdn } from "./names.js";
import type { ResolvedManifestOptions } from "./options.js";

/**
 * The provider's DestinationRule (Istio `networking.istio.io/v1`, Istio 1.22+): per-request ROUND_ROBIN over the
 * Service's endpoints, and one subset per version in `trafficSplit`, selecting pods by their `version` label.
 */
export function destinationRuleModel(options: ResolvedManifestOptions): DestinationRule {
  return new DestinationRule({
    metadata: { name: options.app, namespace: options.namespace, labels: { app: options.app } },
    spec: {
      host: serviceFqdn(options.app, options.namespace, options.clusterDomain),
      trafficPolicy: { loadBalancer: { simple: "ROUND_ROBIN" } },
      subsets: Object.keys(options.trafficSplit).map((version) => ({ name: version, labels: { version } })),
    },
  });
}
