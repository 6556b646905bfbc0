import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ResolvedManifestOptions } from "./options.js";

/**
 * One ServiceAccount per application, named after it: Istio derives the workload's mTLS identity from it. Its token
 * is not mounted, because in mesh mode the application never calls the Kubernetes API.
 */
export function serviceAccountModel(options: ResolvedManifestOptions): ServiceAccount {
  return new ServiceAccount({
    metadata: { name: options.app, namespace: options.namespace, labels: { app: options.app } },
    automountServiceAccountToken: false,
  });
}
