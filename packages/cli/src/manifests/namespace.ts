import { Namespace } from "kubernetes-models/v1/Namespace";
import type { ResolvedManifestOptions } from "./options.js";

/** The application's Namespace; labelled `istio-injection: enabled` with Istio, so every pod gets a sidecar. */
export function namespaceModel(options: ResolvedManifestOptions): Namespace {
  return new Namespace({
    metadata: {
      name: options.namespace,
      ...(options.istio ? { labels: { "istio-injection": "enabled" } } : {}),
    },
  });
}
