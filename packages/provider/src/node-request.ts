import type * as http from "node:http";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { universalRequestFromNodeRequest } from "@connectrpc/connect-node";
import { callOver } from "@dubbo-mesh/protocol";
import type { NodeRequest, NodeResponse } from "./node-types.js";

/**
 * Converts a request from either of Node's HTTP servers to connect's universal request, as connect-node's
 * `universalRequestFromNodeRequest` does: URL from the authority, headers, the body as the request's own async
 * iterator, and a signal aborted when the response closes (by a client reset: ABORTED with Node's error as cause).
 * HTTP/2 requests go to connect-node's (it maps reset codes); an HTTP/1.1 one is converted here, without a
 * generator around the body and without a new `DOMException` per call when the signal is aborted at the end of
 * every call (connect-node's makes one, and its stack trace, each time: ~5% of a JSON unary call's CPU).
 */
export function universalRequestOf(req: NodeRequest, res: NodeResponse, values: ContextValues): UniversalServerRequest {
  if ("stream" in req) return universalRequestFromNodeRequest(req, res, undefined, values);
  const authority = req.headers.host;
  if (authority === undefined) {
    throw new ConnectError("unable to determine request authority from Node.js server request", Code.Internal);
  }
  const encrypted = "encrypted" in req.socket && req.socket.encrypted;
  const controller = new AbortController();
  const onError = (e: unknown) => {
    req.off("error", onError);
    res.off("close", onClose);
    controller.abort(requestErrorReason(e));
  };
  const onClose = () => {
    req.off("error", onError);
    res.off("close", onClose);
    // The response closes once it is sent, or when the connection goes first ("close" on the request comes as soon
    // as its body has been read, too early).
    controller.abort(req.errored ? requestErrorReason(req.errored) : callOver);
  };
  req.once("error", onError);
  res.once("close", onClose);
  return {
    httpVersion: req.httpVersion,
    method: req.method ?? "",
    url: new URL(req.url ?? "", `${encrypted ? "https" : "http"}://${authority}`).toString(),
    header: webHeaders(req.headers),
    body: req as AsyncIterable<Uint8Array>,
    signal: controller.signal,
    contextValues: values,
  };
}

function webHeaders(headers: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === "string") out.append(name, value);
    else for (const v of value) out.append(name, v);
  }
  return out;
}

/** A client that reset its connection mid-request is ABORTED; anything else the request stream reports, INTERNAL. */
function requestErrorReason(e: unknown): ConnectError {
  const code = (e as { code?: unknown } | null)?.code;
  const reset = code === "ECONNRESET" || code === "ERR_STREAM_DESTROYED";
  const error = ConnectError.from(e, reset ? Code.Aborted : Code.Internal);
  if (error !== e) error.cause = e;
  return error;
}
