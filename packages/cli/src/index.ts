/**
 * @dubbo-mesh/cli: the `dubbo-mesh` command's library side. Today: Kubernetes/Istio manifests for Dubbo applications
 * in mesh mode (`generateManifests`, `renderManifests`) and the greeter sample's committed manifests.
 */
export * from "./manifests/index.js";
