import type { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import type { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import type { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import type { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import type { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { Namespace } from "kubernetes-models/v1/Namespace";
import type { Service } from "kubernetes-models/v1/Service";
import type { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { deploymentModel } from "./deployment.js";
import { destinationRuleModel } from "./destination-rule.js";
import { envoyFilterModel } from "./envoy-filter.js";
import { namespaceModel } from "./namespace.js";
import { type ManifestOptions, resolveManifestOptions } from "./options.js";
import { serviceModel } from "./service.js";
import { serviceAccountModel } from "./service-account.js";
import { certificateModel } from "./tls.js";
import { virtualServiceModel } from "./virtual-service.js";

/** Any object `generateManifests` returns: a typed kubernetes-models / @kubernetes-models/istio model. */
export type ManifestModel =
  | Namespace
  | ServiceAccount
  | Service
  | Deployment
  | VirtualService
  | DestinationRule
  | EnvoyFilter
  | Certificate;

/**
 * The Kubernetes (and, with `istio`, Istio) objects for one Dubbo application in mesh mode, in apply order:
 * Namespace, ServiceAccount, cert-manager Certificate (with `tls.issuer`), Service (provider only), Deployment, then VirtualService + DestinationRule (Istio
 * provider) or EnvoyFilter (Istio consumer). Every model is validated against its schema before it is returned, so a
 * bad option surfaces here, not at `kubectl apply`. Throws `ManifestOptionError` for bad options.
 */
export function generateManifests(options: ManifestOptions): ManifestModel[] {
  const resolved = resolveManifestOptions(options);
  const models: ManifestModel[] = [namespaceModel(resolved), serviceAccountModel(resolved)];
  const certificate = certificateModel(resolved);
  if (certificate) models.push(certificate);
  if (resolved.role === "provider") models.push(serviceModel(resolved));
  models.push(deploymentModel(resolved));
  if (resolved.istio && resolved.role === "provider") {
    models.push(virtualServiceModel(resolved), destinationRuleModel(resolved));
  }
  if (resolved.istio && resolved.role === "consumer" && resolved.providerApp !== undefined) {
    models.push(envoyFilterModel(resolved, resolved.providerApp));
  }
  for (const model of models) model.validate();
  return models;
}
