import { createContextValues } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "@dubbo-mesh/runtime";
import { formatAddress, kCallInfo } from "./call-info.js";
import { type NodeRequest, type NodeResponse, writeHead } from "./node-types.js";
import type { Routes } from "./router.js";
import { respondUnknownRoute } from "./unknown-route.js";

/**
 * Adapts the routes to Node's `request` event, for HTTP/1.1 and HTTP/2 alike: finds the method's handler by path,
 * records where the call came in (see `callInfo`), converts to connect's universal request and back. Unknown paths get
 * UNIMPLEMENTED in the caller's protocol.
 */
export function createNodeHandler(routes: () => Routes, knownService: (name: string) => boolean, logger: Logger) {
  return (req: NodeRequest, res: NodeResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const handler = routes().get(path);
    if (!handler) {
      respondUnknownRoute(req.headers["content-type"] ?? "", path, knownService, res);
      return;
    }
    const socket = req.socket;
    const values = createContextValues();
    values.set(kCallInfo, {
      localAddress: formatAddress(socket.localAddress, socket.localPort),
      remoteAddress: formatAddress(socket.remoteAddress, socket.remotePort),
      httpVersion: req.httpVersion,
    });
    const ureq = universalRequestFromNodeRequest(req, res, undefined, values);
    handler(ureq)
      .then((ures) => universalResponseToNodeResponse(ures, res))
      .catch((err: unknown) => {
        // The client went away or the stream was reset mid-call: nothing left to answer, nothing crashed.
        logger.warn({ event: "call-aborted", path, error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) {
          writeHead(res, 500);
          res.end();
        } else if (!res.writableEnded) {
          res.destroy();
        }
      });
  };
}
