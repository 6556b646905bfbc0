export { containerEnv } from "./container-env.js";
export { deploymentModel, prometheusAnnotations, sidecarAnnotations } from "./deployment.js";
export { destinationRuleModel } from "./destination-rule.js";
export { CONSUMER_HEALTH_CHECK, envoyFilterModel } from "./envoy-filter.js";
export { generateManifests, type ManifestModel } from "./generate.js";
export { modelFromObject } from "./model-from-object.js";
export { outboundClusterName, serviceFqdn } from "./names.js";
export { namespaceModel } from "./namespace.js";
export {
  DEFAULT_RESOURCES,
  ManifestOptionError,
  type ManifestOptions,
  type ManifestResources,
  type ManifestRole,
  type ResolvedManifestOptions,
  resolveManifestOptions,
} from "./options.js";
export { PRE_STOP_OFFLINE_TIMEOUT_MS, preStopCommand } from "./pre-stop.js";
export { type DubboProbes, dubboProbes } from "./probes.js";
export { renderManifests, renderModels } from "./render.js";
export { containerSecurityContext, NODE_USER_ID, podSecurityContext } from "./security-context.js";
export { PROTOCOL_PORT_NAME, QOS_PORT_NAME, serviceModel } from "./service.js";
export { serviceAccountModel } from "./service-account.js";
export { GRACE_MARGIN_SECONDS, type ShutdownBudget, terminationGracePeriodSeconds } from "./shutdown-timing.js";
export { certificateModel, type ManifestTls, TLS_MOUNT_PATH, tlsEnv } from "./tls.js";
export { virtualServiceModel } from "./virtual-service.js";
