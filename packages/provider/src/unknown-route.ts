import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  codeToHttpStatus,
  contentTypeJson,
  errorToJsonBytes,
  grpc,
  headerContentLength,
  headerContentType,
  headerExceptionCode,
  parseTripleContentType,
} from "@dubbo-mesh/protocol";
import { type NodeResponse, writeHead } from "./node-types.js";

/**
 * Answers a request for a path no registered service has, in the caller's own protocol: a gRPC caller gets HTTP 200
 * with `grpc-status: 12` (UNIMPLEMENTED) as a trailers-only response; a Triple caller gets 404 with the JSON error
 * body; anything else a plain 404.
 */
export function respondUnknownRoute(
  contentType: string,
  path: string,
  knownService: (name: string) => boolean,
  res: NodeResponse,
): void {
  const error = new ConnectError(describeUnknownRoute(path, knownService), Code.Unimplemented);
  if (contentType.toLowerCase().startsWith(grpc.contentTypeGrpc)) {
    // gRPC and gRPC-web alike: both read the status from a trailers-only response.
    const header = grpc.setTrailerStatus({ [grpc.headerContentType]: contentType }, error) as Record<string, string>;
    if ("stream" in res) {
      // A true trailers-only response: one HEADERS frame with END_STREAM, as gRPC clients require.
      res.stream.respond({ ":status": 200, ...header }, { endStream: true });
      // The call is over; a body still coming is not wanted (RFC 9113 §8.1). Node sends the HEADERS frame first.
      if (!res.req.complete) res.stream.close(http2.constants.NGHTTP2_NO_ERROR);
    } else {
      writeHead(res, 200, header);
      res.end();
    }
    return;
  }
  if (parseTripleContentType(contentType)) {
    const body = errorToJsonBytes(error);
    writeHead(res, codeToHttpStatus(error.code), {
      [headerContentType]: contentTypeJson,
      [headerContentLength]: String(body.byteLength),
      [headerExceptionCode]: String(error.code),
    });
    res.end(body);
    return;
  }
  writeHead(res, 404, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${error.rawMessage}\n`);
}

/** Says what is unknown about a path: its form, its service, or its method (the message of UNIMPLEMENTED). */
export function describeUnknownRoute(path: string, knownService: (name: string) => boolean): string {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) return `unknown path ${path}: expected /<package.Service>/<Method> or the path of an HTTP rule`;
  const [, service = "", method = ""] = match;
  return knownService(service) ? `unknown method ${method} of service ${service}` : `unknown service ${service}`;
}

/**
 * Answers a request whose path an HTTP rule has, but not for its verb: 405 Method Not Allowed with `Allow` and the
 * Triple JSON error body naming the verbs the path has.
 */
export function respondWrongVerb(verb: string, path: string, allowed: string[], res: NodeResponse): void {
  const error = new ConnectError(
    `${verb} is not allowed on ${path}: it takes ${allowed.join(", ")}`,
    Code.Unimplemented,
  );
  const body = errorToJsonBytes(error);
  writeHead(res, 405, {
    [headerContentType]: contentTypeJson,
    [headerContentLength]: String(body.byteLength),
    [headerExceptionCode]: String(error.code),
    allow: allowed.join(", "),
  });
  res.end(body);
}
