import type { DescService } from "@bufbuild/protobuf";
import type { Logger, ServiceTable } from "@dubbo-mesh/runtime";
import type { Registration } from "./dispatch.js";
import { createNodeHandler } from "./node-handler.js";
import type { NodeRequest, NodeResponse } from "./node-types.js";
import { createRouteLookup } from "./route-lookup.js";
import { createRoutes, type RouterOptions } from "./router.js";

/** A request listener for everything the gRPC engine does not take. */
export type NodeListener = (req: NodeRequest, res: NodeResponse) => void;

/**
 * Builds connect's general path — gRPC-web, Connect and Triple HTTP unary over HTTP/1.1 and HTTP/2 — over the service
 * table. The provider imports this module in the background once it is
 * listening, so connect-node's transports and handlers are not on the start-up path.
 */
export function createGeneralPath(
  table: ServiceTable<Registration>,
  options: RouterOptions,
  logger: Logger,
): NodeListener {
  const routes = createRoutes(table, options);
  const methods = new Map<string, DescService>();
  for (const { value } of table.entries()) methods.set(value.desc.typeName, value.desc);
  return createNodeHandler(
    createRouteLookup(
      routes,
      [...methods.values()].flatMap((d) => d.methods),
    ),
    (name) => table.hasService(name),
    logger,
  );
}
