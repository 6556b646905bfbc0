import * as http2 from "node:http2";
import { createContextValues } from "@connectrpc/connect";
import { universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { kHttpBinding } from "@dubbo-mesh/protocol";
import { errorMessage, type Logger } from "@dubbo-mesh/runtime";
import { callInfoOf, kCallInfo } from "./call-info.js";
import { universalRequestOf } from "./node-request.js";
import { type NodeRequest, type NodeResponse, writeHead } from "./node-types.js";
import type { RouteLookup } from "./route-lookup.js";
import { respondUnknownRoute, respondWrongVerb } from "./unknown-route.js";

/**
 * Adapts the routes to Node's `request` event, for HTTP/1.1 and HTTP/2 alike: finds the method's handler by path
 * (or HTTP rule, whose binding goes along in the context values),
 * records where the call came in (see `callInfo`), converts to connect's universal request and back. Unknown paths get
 * UNIMPLEMENTED in the caller's protocol.
 */
export function createNodeHandler(lookup: RouteLookup, knownService: (name: string) => boolean, logger: Logger) {
  return (req: NodeRequest, res: NodeResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if ("stream" in res) stopUnreadRequestAfterResponse(req, res.stream);
    const route = lookup(req.method ?? "GET", path);
    if (route.kind === "wrong-verb") {
      respondWrongVerb(req.method ?? "", path, route.allowed, res);
      return;
    }
    if (route.kind === "none") {
      respondUnknownRoute(req.headers["content-type"] ?? "", path, knownService, res);
      return;
    }
    const handler = route.handler;
    const values = createContextValues();
    values.set(kCallInfo, callInfoOf(req.socket, req.httpVersion));
    if (route.binding) values.set(kHttpBinding, route.binding);
    const ureq = universalRequestOf(req, res, values);
    handler(ureq)
      .then((ures) => universalResponseToNodeResponse(ures, res))
      .catch((err: unknown) => {
        // The client went away or the stream was reset mid-call: nothing left to answer, nothing crashed.
        logger.warn({ event: "call-aborted", path, error: errorMessage(err) });
        if (!res.headersSent) {
          writeHead(res, 500);
          res.end();
        } else if (!res.writableEnded) {
          res.destroy();
        }
      });
  };
}

/**
 * After a complete HTTP/2 response whose request body was not read to its end (a message over the size limit, a call
 * rejected before its body was read), asks the client to stop sending with RST_STREAM(NO_ERROR), as RFC 9113 §8.1
 * provides and grpc-go does. Without it the stream stays half-open: nobody reads the rest of the body, flow control
 * stalls the client mid-upload, and the stream counts as in flight until the client gives up (holding up a drain).
 * Node's own early close does not apply, because a response through its compat API always waits for trailers.
 */
function stopUnreadRequestAfterResponse(req: NodeRequest, stream: http2.ServerHttp2Stream): void {
  // 'wantTrailers' comes once the last DATA frame is out; compat's listener, registered before this one, sends the
  // trailers synchronously. The reset waits a tick to leave nghttp2's send callback, and Node flushes pending frames
  // (the trailers) before it submits RST_STREAM.
  stream.once("wantTrailers", () => {
    setImmediate(() => {
      if (req.complete || stream.closed || stream.destroyed) return;
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
  });
}
