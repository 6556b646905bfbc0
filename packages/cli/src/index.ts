/**
 * @dubbo-mesh/cli: the `dubbo-mesh` command's library side. Today: Kubernetes/Istio manifests for Dubbo applications
 * in mesh mode (`generateManifests`, `renderManifests`, `renderModels`).
 */
export * from "./manifests/index.js";
