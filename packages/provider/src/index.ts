/**
 * @dubbo-mesh/provider — serving: one port for gRPC and Triple over HTTP/2 and HTTP/1.1, routing by
 * (service, version, group), graceful drain.
 */

export type { PeerIdentity, PrincipalRule } from "@dubbo-mesh/runtime";
export { attachmentsOf, setResponseAttachments } from "./attachments.js";
export { type CallInfo, callInfo } from "./call-info.js";
export {
  type GenericRegistration,
  type GenericServiceOptions,
  genericServiceOf,
} from "./generic-service.js";
export { defaultKeepalivePolicy, type KeepalivePolicy } from "./keepalive.js";
export { createProvider, type Provider } from "./provider.js";
export type { ProviderOptions } from "./provider-options.js";
export type { ServerTlsOptions } from "./server-tls.js";
export type { ServiceOptions } from "./service-registration.js";
