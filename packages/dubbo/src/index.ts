/**
 * dubbo-mesh — Triple/gRPC microservices for Node.js in a service mesh. The application API: `dubbo()`, the
 * `@DubboService` / `@DubboReference` decorators, and the types a service implementation needs.
 */
export type { Client, HandlerContext, ServiceImpl } from "@connectrpc/connect";
export { Code, ConnectError } from "@dubbo-mesh/protocol";
export {
  attachmentsOf,
  type CallInfo,
  callInfo,
  createProvider,
  type GenericServiceOptions,
  setResponseAttachments,
} from "@dubbo-mesh/provider";
export {
  ConfigError,
  DubboGenericService,
  type DubboGenericServiceOptions,
  DubboReference,
  type DubboReferenceOptions,
  DubboService,
  type DubboServiceOptions,
  type Lifecycle,
  type LoadedConfig,
} from "@dubbo-mesh/runtime";
export { type ConsumeOverrides, type DubboApplication, type DubboOptions, dubbo } from "./application.js";
export { main } from "./main.js";
