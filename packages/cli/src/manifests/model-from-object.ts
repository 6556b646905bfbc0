import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ManifestModel } from "./generate.js";

const MODELS = [Namespace, ServiceAccount, Service, Deployment, VirtualService, DestinationRule, EnvoyFilter] as const;

/**
 * Turns a parsed manifest document (e.g. one YAML document of a committed file) back into its typed model and
 * validates it against the schema. Throws for a kind `generateManifests` does not produce, or an invalid object.
 */
export function modelFromObject(document: unknown): ManifestModel {
  const { apiVersion, kind } = (document ?? {}) as { apiVersion?: unknown; kind?: unknown };
  const Model = MODELS.find((m) => m.apiVersion === apiVersion && m.kind === kind);
  if (Model === undefined) throw new Error(`manifests: no model for apiVersion ${apiVersion}, kind ${kind}`);
  // Each constructor takes its own interface; the schema check below is what proves the shape.
  const model = new Model(document as never);
  model.validate();
  return model;
}
